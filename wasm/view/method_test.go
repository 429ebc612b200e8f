package view

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// words is a string the screen must show, in each language.
type words struct{ en, ja string }

func (w words) in(l Locale) string {
	if l == Japanese {
		return w.ja
	}
	return w.en
}

// TestMethodScreens is the challenge screen per method and per state: what
// the screen says about the code (#dest), the field, Resend and its note,
// and the message for the last answer, in English and Japanese.
func TestMethodScreens(t *testing.T) {
	const (
		noMore   = "No more codes can be sent for this purchase."
		noMoreJA = "このお取引では、これ以上ワンタイムパスワードを送信できません。"
	)
	emailDest := words{"Code sent to ***@mail.jp", "ワンタイムパスワードを ***@mail.jp に送信しました"}
	smsDest := words{"Code sent by SMS to ***-****-1234", "SMSでワンタイムパスワードを ***-****-1234 に送信しました"}
	appDest := words{"Enter the 6-digit code shown in your authenticator app", "認証アプリに表示された6桁のワンタイムパスワードを入力してください"}
	tokenDest := words{"Enter the code shown on your token (serial ending 1234)", "トークン（シリアル番号末尾 1234）に表示されたワンタイムパスワードを入力してください"}
	passwordDest := words{"Enter your password", "パスワードを入力してください"}
	codeLabel := words{"One-time code (6 digits)", "ワンタイムパスワード（6桁）"}
	limitedEmail := words{"Too many codes were sent to this address today, so no code was sent. Cancel, and pay another way or try again tomorrow.",
		"本日このメールアドレスに送信できる回数の上限に達したため、ワンタイムパスワードは送信されませんでした。キャンセルして、別の方法でお支払いいただくか、明日もう一度お試しください。"}
	passwordLabel := words{"Password", "パスワード"}

	sms := func(d *contract.Display) { d.Method = "sms"; d.Dest = "***-****-1234" }
	app := func(d *contract.Display) { d.Method = "app"; d.Dest = ""; d.ResendsLeft = 0; d.Delivery = "none" }
	token := func(dest string) func(*contract.Display) {
		return func(d *contract.Display) { d.Method = "token"; d.Dest = dest; d.ResendsLeft = 0; d.Delivery = "none" }
	}
	password := func(d *contract.Display) { d.Method = "password"; d.Dest = ""; d.ResendsLeft = 0; d.Delivery = "none" }
	and := func(fs ...func(*contract.Display)) func(*contract.Display) {
		return func(d *contract.Display) {
			for _, f := range fs {
				f(d)
			}
		}
	}
	resends := func(n int) func(*contract.Display) { return func(d *contract.Display) { d.ResendsLeft = n } }
	delivery := func(s string) func(*contract.Display) { return func(d *contract.Display) { d.Delivery = s } }
	left := func(n int) func(*contract.Display) { return func(d *contract.Display) { d.AttemptsLeft = n } }

	tests := []struct {
		name    string
		display func(*contract.Display) // the start answer's display
		// then: an answer to a verify of "123456" (a challenge screen
		// with this error code, or an error status) or to a resend.
		then    string // "", "verify", "resend"
		status  int
		errCode string                  // the answer's error
		after   func(*contract.Display) // the display of a challenge answer to then

		dest     words
		label    words
		password bool
		// noCode: the challenge holds no code (delivery failed or limited).
		noCode     bool
		showResend bool
		canResend  bool // at +1 minute, once the 30 s wait is over
		note       words
		errorCode  string
		err        words
	}{
		// email
		{name: "email sent", display: nil,
			dest: emailDest, label: codeLabel, showResend: true, canResend: true},
		{name: "email no resend left", display: resends(0),
			dest: emailDest, label: codeLabel, note: words{noMore, noMoreJA}},
		{name: "email delivery failed", display: delivery("failed"), noCode: true,
			dest: emailDest, label: codeLabel, showResend: true, canResend: true, errorCode: "delivery_failed",
			err: words{"The code could not be sent. Request a new code.", "ワンタイムパスワードを送信できませんでした。再送信してください。"}},
		{name: "email delivery failed, no resend left", display: and(delivery("failed"), resends(0)), noCode: true,
			dest: emailDest, label: codeLabel, note: words{noMore, noMoreJA}, errorCode: "delivery_failed",
			err: words{"The code could not be sent, and no more codes can be sent for this purchase. Press Cancel, then start the payment again on this page.",
				"ワンタイムパスワードを送信できませんでした。このお取引ではこれ以上送信できないため、「キャンセル」を押してから、このページでもう一度お支払い手続きをしてください。"}},
		{name: "email delivery limited", display: delivery("limited"), noCode: true,
			dest: emailDest, label: codeLabel, showResend: true, canResend: true, errorCode: "delivery_limited",
			err: limitedEmail},
		{name: "email wrong code", then: "verify", status: 200, errCode: "wrong_code", after: left(4),
			dest: emailDest, label: codeLabel, showResend: true, canResend: true, errorCode: "wrong_code",
			err: words{"Incorrect code. 4 attempts left.", "ワンタイムパスワードが正しくありません。あと4回入力できます。"}},
		{name: "email resent, last one", then: "resend", status: 200, after: and(resends(0), delivery("sent")),
			dest: emailDest, label: codeLabel, note: words{noMore, noMoreJA}},
		{name: "email resent, limited", then: "resend", status: 200, after: and(resends(2), delivery("limited")), noCode: true,
			dest: emailDest, label: codeLabel, showResend: true, canResend: true, errorCode: "delivery_limited",
			err: limitedEmail},
		{name: "email resend cooldown", then: "resend", status: 429, errCode: "resend_cooldown",
			dest: emailDest, label: codeLabel, showResend: true, canResend: true, errorCode: "resend_cooldown",
			err: words{"Please wait a moment before requesting a new code.", "しばらく待ってから再送信してください。"}},
		{name: "email resend limit", then: "resend", status: 429, errCode: "resend_limit",
			dest: emailDest, label: codeLabel, note: words{noMore, noMoreJA}, errorCode: "resend_limit",
			err: words{"The most new codes allowed have been sent. Enter the latest code you received.",
				"再送信できる回数の上限に達しました。最後に届いたワンタイムパスワードを入力してください。"}},
		{name: "email send limit", then: "resend", status: 429, errCode: "send_limit",
			dest: emailDest, label: codeLabel, note: words{noMore, noMoreJA}, errorCode: "send_limit",
			err: words{"Too many codes were sent to this address today; no new code was sent. Enter the code you already received.",
				"本日このメールアドレスに送信できる回数の上限に達したため、新しいワンタイムパスワードは送信されませんでした。届いているワンタイムパスワードを入力してください。"}},
		// The client offered Resend, the edge says the method has none.
		{name: "email not resendable", then: "resend", status: 409, errCode: "not_resendable",
			dest: emailDest, label: codeLabel, note: words{noMore, noMoreJA}, errorCode: "not_resendable",
			err: words{"A new code cannot be sent for this way of authenticating.", "この認証方法では、ワンタイムパスワードを再送信できません。"}},

		// sms
		{name: "sms sent", display: sms,
			dest: smsDest, label: codeLabel, showResend: true, canResend: true},
		{name: "sms no resend left", display: and(sms, resends(0)),
			dest: smsDest, label: codeLabel, note: words{noMore, noMoreJA}},
		{name: "sms delivery limited", display: and(sms, delivery("limited")), noCode: true,
			dest: smsDest, label: codeLabel, showResend: true, canResend: true, errorCode: "delivery_limited",
			err: words{"Too many codes were sent to this phone number today, so no code was sent. Cancel, and pay another way or try again tomorrow.",
				"本日この電話番号に送信できる回数の上限に達したため、ワンタイムパスワードは送信されませんでした。キャンセルして、別の方法でお支払いいただくか、明日もう一度お試しください。"}},
		{name: "sms wrong code", display: sms, then: "verify", status: 200, errCode: "wrong_code", after: and(sms, left(1)),
			dest: smsDest, label: codeLabel, showResend: true, canResend: true, errorCode: "wrong_code",
			err: words{"Incorrect code. 1 attempt left.", "ワンタイムパスワードが正しくありません。あと1回入力できます。"}},
		{name: "sms send limit", display: sms, then: "resend", status: 429, errCode: "send_limit",
			dest: smsDest, label: codeLabel, note: words{noMore, noMoreJA}, errorCode: "send_limit",
			err: words{"Too many codes were sent to this phone number today; no new code was sent. Enter the code you already received.",
				"本日この電話番号に送信できる回数の上限に達したため、新しいワンタイムパスワードは送信されませんでした。届いているワンタイムパスワードを入力してください。"}},
		{name: "sms resend limit", display: sms, then: "resend", status: 429, errCode: "resend_limit",
			dest: smsDest, label: codeLabel, note: words{noMore, noMoreJA}, errorCode: "resend_limit",
			err: words{"The most new codes allowed have been sent. Enter the latest code you received.",
				"再送信できる回数の上限に達しました。最後に届いたワンタイムパスワードを入力してください。"}},

		// app: nothing is sent, nothing about sending is said.
		{name: "app", display: app,
			dest: appDest, label: codeLabel},
		// An edge that still says resends_left for app is not believed.
		{name: "app with resends_left", display: and(app, resends(3)),
			dest: appDest, label: codeLabel},
		{name: "app wrong code", display: app, then: "verify", status: 200, errCode: "wrong_code", after: and(app, left(3)),
			dest: appDest, label: codeLabel, errorCode: "wrong_code",
			err: words{"Incorrect code. 3 attempts left.", "ワンタイムパスワードが正しくありません。あと3回入力できます。"}},
		{name: "app code used", display: app, then: "verify", status: 200, errCode: "code_used", after: and(app, left(4)),
			dest: appDest, label: codeLabel, errorCode: "code_used",
			err: words{"This code was already used. Wait for the next code in your app. 4 attempts left.",
				"このワンタイムパスワードは使用済みです。認証アプリに次のワンタイムパスワードが表示されるまでお待ちください。あと4回入力できます。"}},

		// token
		{name: "token one serial", display: token("1234"),
			dest: tokenDest, label: codeLabel},
		{name: "token two serials", display: token("1234,5678"),
			dest: words{"Enter the code shown on your token (serial ending 1234 or 5678)",
				"トークン（シリアル番号末尾 1234 または 5678）に表示されたワンタイムパスワードを入力してください"}, label: codeLabel},
		{name: "token serials with spaces", display: token(" 1234 , 5678,"),
			dest: words{"Enter the code shown on your token (serial ending 1234 or 5678)",
				"トークン（シリアル番号末尾 1234 または 5678）に表示されたワンタイムパスワードを入力してください"}, label: codeLabel},
		{name: "token no serial", display: token(""),
			dest: words{"Enter the code shown on your token", "トークンに表示されたワンタイムパスワードを入力してください"}, label: codeLabel},
		{name: "token code used", display: token("1234"), then: "verify", status: 200, errCode: "code_used", after: and(token("1234"), left(2)),
			dest: tokenDest, label: codeLabel, errorCode: "code_used",
			err: words{"This code was already used. Wait for the next code on your token. 2 attempts left.",
				"このワンタイムパスワードは使用済みです。トークンに次のワンタイムパスワードが表示されるまでお待ちください。あと2回入力できます。"}},
		{name: "token wrong code", display: token("1234"), then: "verify", status: 200, errCode: "wrong_code", after: and(token("1234"), left(4)),
			dest: tokenDest, label: codeLabel, errorCode: "wrong_code",
			err: words{"Incorrect code. 4 attempts left.", "ワンタイムパスワードが正しくありません。あと4回入力できます。"}},

		// password
		{name: "password", display: password,
			dest: passwordDest, label: passwordLabel, password: true},
		{name: "password wrong", display: password, then: "verify", status: 200, errCode: "wrong_code", after: and(password, left(4)),
			dest: passwordDest, label: passwordLabel, password: true, errorCode: "wrong_code",
			err: words{"Incorrect password. 4 attempts left.", "パスワードが正しくありません。あと4回入力できます。"}},
		{name: "password refused by the edge", display: password, then: "verify", status: 400, errCode: "invalid_code_format",
			dest: passwordDest, label: passwordLabel, password: true, errorCode: "invalid_code_format",
			err: words{"Enter your password (up to 128 characters).", "パスワードは128文字以内で入力してください。"}},
	}
	for _, tt := range tests {
		for _, l := range []Locale{English, Japanese} {
			t.Run(tt.name+"/"+string(l), func(t *testing.T) {
				m := New(l)
				if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
					t.Fatal(err)
				}
				m.Apply(200, body(t, challengeResp("ct1", tt.display)))
				now := t0.Add(time.Minute)
				var err error
				switch tt.then {
				case "verify":
					_, err = m.Verify("123456", now)
				case "resend":
					_, err = m.Resend(now)
				}
				if err != nil {
					t.Fatalf("%s: %v", tt.then, err)
				}
				if tt.then != "" {
					if tt.status == 200 {
						r := challengeResp("ct2", tt.after)
						r.Error = tt.errCode
						m.Apply(200, body(t, r))
					} else {
						m.Apply(tt.status, errBody(tt.errCode))
					}
				}
				s := m.Screen(now)
				// A challenge without a code takes none: Send is off and
				// the field disabled, Cancel stays.
				if s.Phase != Challenge || s.CanSend == tt.noCode || s.NoCode != tt.noCode || !s.CanCancel {
					t.Fatalf("phase %v CanSend %v NoCode %v CanCancel %v: want CanSend %v, NoCode %v, Cancel", s.Phase, s.CanSend, s.NoCode, s.CanCancel, !tt.noCode, tt.noCode)
				}
				if tt.noCode {
					if _, err := m.Verify("123456", now); err == nil {
						t.Error("Verify on a challenge without a code made a request")
					}
				}
				check := func(what, got, want string) {
					t.Helper()
					if got != want {
						t.Errorf("%s = %q, want %q", what, got, want)
					}
				}
				check("Dest", s.Dest, tt.dest.in(l))
				check("Labels.Code", s.Labels.Code, tt.label.in(l))
				check("ResendNote", s.ResendNote, tt.note.in(l))
				check("ErrorCode", s.ErrorCode, tt.errorCode)
				check("Error", s.Error, tt.err.in(l))
				if s.Password != tt.password || s.ShowResend != tt.showResend || s.CanResend != tt.canResend {
					t.Errorf("Password %v ShowResend %v CanResend %v, want %v %v %v",
						s.Password, s.ShowResend, s.CanResend, tt.password, tt.showResend, tt.canResend)
				}
				// Resend is refused exactly when it is not offered.
				if _, err := m.Resend(now); (err == nil) != tt.canResend {
					t.Errorf("Resend error %v, want allowed = %v", err, tt.canResend)
				}
			})
		}
	}
}

// A password goes to the edge as typed; only its length is checked.
func TestPasswordVerify(t *testing.T) {
	tests := []struct {
		input     string
		err       error
		errorCode string
		message   words
	}{
		{input: " １２３ pass word　", err: nil},
		{input: "123456", err: nil},
		{input: strings.Repeat("あ", 128), err: nil},
		{input: "", err: ErrCodeEmpty, errorCode: "empty_code",
			message: words{"Enter your password.", "パスワードを入力してください。"}},
		{input: strings.Repeat("a", 129), err: ErrPassword, errorCode: "invalid_code_format",
			message: words{"Enter your password (up to 128 characters).", "パスワードは128文字以内で入力してください。"}},
	}
	for _, tt := range tests {
		for _, l := range []Locale{English, Japanese} {
			m := New(l)
			if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
				t.Fatal(err)
			}
			m.Apply(200, body(t, challengeResp("ct1", func(d *contract.Display) { d.Method = "password"; d.Dest = ""; d.ResendsLeft = 0 })))
			req, err := m.Verify(tt.input, t0)
			if !errors.Is(err, tt.err) {
				t.Fatalf("%s Verify(%q): error %v, want %v", l, tt.input, err, tt.err)
			}
			s := m.Screen(t0)
			if err != nil {
				if s.ErrorCode != tt.errorCode || s.Error != tt.message.in(l) || s.Busy {
					t.Errorf("%s Verify(%q): error %q %q busy %v, want %q %q", l, tt.input, s.ErrorCode, s.Error, s.Busy, tt.errorCode, tt.message.in(l))
				}
				continue
			}
			if got := string(req.Body); got != `{"challenge_token":"ct1","code":`+quote(t, tt.input)+`}` {
				t.Errorf("%s Verify(%q) sent %s", l, tt.input, got)
			}
		}
	}
}

func quote(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// CodeRefused tells the browser side to clear the field for the next code.
func TestCodeRefused(t *testing.T) {
	for _, tt := range []struct {
		errCode string
		want    bool
	}{{"wrong_code", true}, {"code_used", true}, {"", false}} {
		m := started(t, English)
		if _, err := m.Verify("123456", t0); err != nil {
			t.Fatal(err)
		}
		r := challengeResp("ct1", nil)
		r.Error = tt.errCode
		m.Apply(200, body(t, r))
		if got := m.CodeRefused(); got != tt.want {
			t.Errorf("error %q: CodeRefused %v, want %v", tt.errCode, got, tt.want)
		}
	}
	m := started(t, English)
	if _, err := m.Resend(t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	m.Apply(429, errBody("resend_limit"))
	if m.CodeRefused() {
		t.Error("a refused resend cleared the code")
	}
}

// Every message exists in both languages, once: a code missing from one
// table would show the generic "something went wrong" instead.
func TestMessageTablesMatch(t *testing.T) {
	codes := func(table []message) map[string]bool {
		m := map[string]bool{}
		for _, e := range table {
			if m[e.code] {
				t.Errorf("code %q twice", e.code)
			}
			if e.text == "" {
				t.Errorf("code %q has no text", e.code)
			}
			m[e.code] = true
		}
		return m
	}
	for _, tables := range [][2][]message{{textEN.problems, textJA.problems}, {textEN.reasons, textJA.reasons}} {
		en, ja := codes(tables[0]), codes(tables[1])
		for c := range en {
			if !ja[c] {
				t.Errorf("%q has no Japanese text", c)
			}
		}
		for c := range ja {
			if !en[c] {
				t.Errorf("%q has no English text", c)
			}
		}
	}
}
