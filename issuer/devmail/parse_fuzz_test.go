package devmail

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse reads raw messages as the sink receives them, and messages
// built here around a subject and a text. Properties: parse never panics
// and always gives valid UTF-8; a message with the subject as a UTF-8
// encoded word and the text and an HTML part base64-encoded in
// multipart/alternative gives back exactly that subject, text and HTML.
func FuzzParse(f *testing.F) {
	f.Add([]byte("From: =?UTF-8?B?5pys5Lq66KqN6Ki8?= <no-reply@issuer.example>\r\nSubject: =?UTF-8?B?44Ov44Oz44K/44Kk44Og?=\r\n =?UTF-8?B?44OR44K544Ov44O844OJ?=\r\n"+
		"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E3=82=B3=E3=83=BC=E3=83=89: 123456\r\n"), "ワンタイムパスワード", "コード: 123456\n")
	f.Add([]byte("From: a@b\r\nSubject: hi\r\n\r\nbody\r\n"), "Your code", "123456")
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n"), "", "\xff")
	f.Add([]byte("Subject: =?iso-2022-jp?B?GyRCJTMhPCVJGyhC?=\r\nContent-Type: text/plain; charset=shift_jis\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=83R=81[=83h\r\n"), "a\tb", "")
	f.Add([]byte("not a message"), "=?utf-8?q?x?=", "<b>x</b>")
	f.Fuzz(func(t *testing.T, raw []byte, subject, text string) {
		p := parse(raw)
		for _, s := range []string{p.from, p.subject, p.text, p.html} {
			if !utf8.ValidString(s) {
				t.Fatalf("parse gave invalid UTF-8 %q from %q", s, raw)
			}
		}

		if subject == "" || !utf8.ValidString(subject) || !utf8.ValidString(text) {
			return
		}
		html := "<p>" + text + "</p>"
		msg := fmt.Sprintf("From: Issuer <no-reply@issuer.example>\r\nSubject: =?utf-8?b?%s?=\r\nMIME-Version: 1.0\r\n"+
			"Content-Type: multipart/alternative; boundary=\"b0undary\"\r\n\r\n"+
			"--b0undary\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n"+
			"--b0undary\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n"+
			"--b0undary--\r\n",
			base64.StdEncoding.EncodeToString([]byte(subject)), lines(text), lines(html))
		got := parse([]byte(msg))
		if got.subject != subject || got.text != text || got.html != html || got.from != "Issuer <no-reply@issuer.example>" {
			t.Fatalf("built around %q, %q; parsed as %+v", subject, text, got)
		}
	})
}

// lines is b base64-encoded in lines of 76 characters, as mail has it.
func lines(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	return b.String()
}
