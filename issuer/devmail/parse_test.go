package devmail

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

const subjectJA = "【本人認証】ワンタイムパスワードのお知らせ"

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func mustEncode(t *testing.T, s string, enc interface{ String(string) (string, error) }) string {
	t.Helper()
	out, err := enc.String(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestParse(t *testing.T) {
	iso2022 := japanese.ISO2022JP.NewEncoder()
	sjis := japanese.ShiftJIS.NewEncoder()

	tests := []struct {
		name string
		raw  string
		want parsed
	}{
		{
			name: "plain ascii",
			raw:  "From: a@example.jp\nTo: b@example.jp\nSubject: hello\n\nline one\nline two\n",
			want: parsed{from: "a@example.jp", subject: "hello", text: "line one\nline two\n"},
		},
		{
			// The subject split over two encoded words, as long Japanese
			// subjects always are; the space between them must vanish.
			name: "utf-8 B-encoded subject split in two words, QP body",
			raw: "From: =?UTF-8?B?" + b64("本人認証サービス") + "?= <no-reply@issuer.example>\n" +
				"Subject: =?UTF-8?B?" + b64("【本人認証】ワンタイム") + "?=\n =?UTF-8?B?" + b64("パスワードのお知らせ") + "?=\n" +
				"Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
				"=E3=83=AF=E3=83=B3=E3=82=BF=E3=82=A4=E3=83=A0=E3=83=91=E3=82=B9=E3=83=AF=\n=E3=83=BC=E3=83=89=EF=BC=9A123456\n",
			want: parsed{from: "本人認証サービス <no-reply@issuer.example>", subject: subjectJA, text: "ワンタイムパスワード：123456\n"},
		},
		{
			name: "Q-encoded subject",
			raw:  "Subject: =?utf-8?q?=E3=81=94=E5=88=A9=E7=94=A8_Demo?=\n\nx",
			want: parsed{subject: "ご利用 Demo", text: "x"},
		},
		{
			name: "ISO-2022-JP subject and body",
			raw: "Subject: =?ISO-2022-JP?B?" + b64(mustEncode(t, subjectJA, iso2022)) + "?=\n" +
				"Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n" +
				mustEncode(t, "ご利用金額：1,250円", iso2022),
			want: parsed{subject: subjectJA, text: "ご利用金額：1,250円"},
		},
		{
			name: "Shift_JIS base64 body",
			raw: "Content-Type: text/plain; charset=Shift_JIS\nContent-Transfer-Encoding: base64\n\n" +
				b64(mustEncode(t, "ご利用先：デモショップ", sjis)),
			want: parsed{text: "ご利用先：デモショップ"},
		},
		{
			name: "multipart alternative inside mixed, attachment skipped",
			raw: crlf("Subject: =?UTF-8?B?" + b64(subjectJA) + "?=\n" +
				"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=outer\n\n" +
				"--outer\nContent-Type: multipart/alternative; boundary=\"inner\"\n\n" +
				"--inner\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" +
				b64("コード 654321") + "\n" +
				"--inner\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
				"<p lang=3D\"ja\">=E3=82=B3=E3=83=BC=E3=83=89 <b>654321</b></p>\n" +
				"--inner--\n" +
				"--outer\nContent-Type: text/plain; name=a.txt\nContent-Disposition: attachment; filename=a.txt\n\nnot the body\n" +
				"--outer--\n"),
			want: parsed{subject: subjectJA, text: "コード 654321", html: "<p lang=\"ja\">コード <b>654321</b></p>"},
		},
		{
			name: "html only",
			raw:  "Content-Type: text/html\n\n<h1>hi</h1>",
			want: parsed{html: "<h1>hi</h1>"},
		},
		{
			name: "no header separator is kept whole",
			raw:  "this is not a mail header\n",
			want: parsed{text: "this is not a mail header\n"},
		},
		{
			name: "undecodable encoded word is shown raw",
			raw:  "Subject: =?x-unknown?B?" + b64("abc") + "?=\n\nbody",
			want: parsed{subject: "=?x-unknown?B?" + b64("abc") + "?=", text: "body"},
		},
		{
			name: "multipart without boundary yields no body",
			raw:  "Content-Type: multipart/alternative\n\n--x\n\nbody\n--x--\n",
			want: parsed{},
		},
		{
			name: "invalid utf-8 is replaced",
			raw:  "Subject: ok\n\nbad \xff byte",
			want: parsed{subject: "ok", text: "bad \uFFFD byte"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parse([]byte(tt.raw))
			if got != tt.want {
				t.Errorf("parse:\n got  %q\n want %q", got, tt.want)
			}
		})
	}
}

func TestParseNestingLimit(t *testing.T) {
	nested := func(levels int) []byte {
		var b strings.Builder
		for i := range levels {
			if i > 0 {
				b.WriteString("--b" + strconv.Itoa(i-1) + "\r\n")
			}
			b.WriteString("Content-Type: multipart/mixed; boundary=b" + strconv.Itoa(i) + "\r\n\r\n")
		}
		b.WriteString("--b" + strconv.Itoa(levels-1) + "\r\nContent-Type: text/plain\r\n\r\ndeep\r\n")
		return []byte(b.String())
	}
	if got := parse(nested(3)).text; got != "deep" {
		t.Fatalf("3 levels: text = %q, want deep", got)
	}
	if got := parse(nested(50)).text; got != "" {
		t.Fatalf("50 levels: text = %q; want the walk to stop at %d", got, maxPartDepth)
	}
}
