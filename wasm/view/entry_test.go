package view

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// startedWith returns a model showing a challenge whose display mutate
// changes.
func startedWith(t *testing.T, l Locale, mutate func(*contract.Display)) *Model {
	t.Helper()
	m := New(l)
	if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, challengeResp("ct1", mutate)))
	if m.Phase() != Challenge {
		t.Fatalf("phase after start = %v, want challenge", m.Phase())
	}
	return m
}

func method(name string) func(*contract.Display) {
	return func(d *contract.Display) {
		d.Method = name
		if name != "email" && name != "sms" {
			d.Dest, d.ResendsLeft, d.Delivery = "", 0, "none"
		}
	}
}

// TestTyped: every common form of a pasted or autofilled code becomes its
// six digits in the field at once, nothing is ever cut, more digits than a
// code has get a message that goes when they are fewer again, and what
// does not normalise is left alone for Send to refuse.
func TestTyped(t *testing.T) {
	tests := []struct {
		in      string
		field   string // what the field holds after
		rewrite bool
		problem string // the message's code after
	}{
		{"203677", "203677", false, ""},
		{"203 677", "203677", true, ""},
		{"203-677", "203677", true, ""},
		{"２０３６７７", "203677", true, ""},
		{"２０３　６７７", "203677", true, ""},
		{"  203677  ", "203677", true, ""},
		{"\n203 677\n", "203677", true, ""},
		{"\t２０３-６７７\r\n", "203677", true, ""},
		{"2 0 3 6 7 7", "203677", true, ""},
		{"203ー677", "203677", true, ""}, // the '-' key in a kana IME
		{"", "", false, ""},
		{"203", "203", false, ""}, // still typing
		{"203 67", "203 67", false, ""},
		{"2036771", "2036771", false, problemTooManyDigits},
		{"203 677 1", "203 677 1", false, problemTooManyDigits},
		{"２０３６７７８", "２０３６７７８", false, problemTooManyDigits},
		{"203677203677", "203677203677", false, problemTooManyDigits},
		{"20367a", "20367a", false, ""}, // Send refuses it, with its message
		{"Your code is 203677", "Your code is 203677", false, ""},
		{"١٢٣٤٥٦", "١٢٣٤٥٦", false, ""},
		{"①②③④⑤⑥", "①②③④⑤⑥", false, ""},
		{"203677\u200b", "203677\u200b", false, ""},
		{"\xff203677", "\xff203677", false, ""},
	}
	for _, tt := range tests {
		m := started(t, English)
		field, rewrite := m.Typed(tt.in)
		if field != tt.field || rewrite != tt.rewrite || m.Problem() != tt.problem {
			t.Errorf("Typed(%q) = %q, %v, problem %q; want %q, %v, %q", tt.in, field, rewrite, m.Problem(), tt.field, tt.rewrite, tt.problem)
		}
		if tt.rewrite {
			// What the field now holds is what Send sends.
			req, err := m.Verify(field, t0)
			if err != nil || !strings.Contains(string(req.Body), `"code":"203677"`) {
				t.Errorf("Verify(%q) after Typed(%q) = %s, %v", field, tt.in, req.Body, err)
			}
		}
	}
}

// TestTypedTooManyDigits: the message says it in both languages, and goes
// once a digit is taken away; it leaves another message alone.
func TestTypedTooManyDigits(t *testing.T) {
	for _, l := range []Locale{English, Japanese} {
		m := started(t, l)
		m.Typed("2036771")
		want := words{"That is more than 6 digits. Enter the 6-digit code.",
			"6桁より多く入力されています。6桁のワンタイムパスワードを入力してください。"}.in(l)
		if s := m.Screen(t0); s.Error != want || s.ErrorCode != problemTooManyDigits {
			t.Errorf("%s: error %q %q, want %q", l, s.ErrorCode, s.Error, want)
		}
		m.Typed("203677")
		if s := m.Screen(t0); s.Error != "" {
			t.Errorf("%s: error %q after the extra digit went", l, s.Error)
		}
		m.Typed("2036771")
		m.Typed("20367")
		if s := m.Screen(t0); s.Error != "" {
			t.Errorf("%s: error %q with five digits", l, s.Error)
		}
	}

	m := started(t, English)
	if _, err := m.Verify("123456", t0); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, contract.Screen{State: "challenge", ChallengeToken: "ct1", Display: display(), Error: "wrong_code", MerchantOrigin: shopOrigin}))
	m.Typed("20")
	if m.Problem() != contract.ReasonWrongCode {
		t.Errorf("typing took away the wrong-code message: problem %q", m.Problem())
	}
}

// TestTypedPassword: a password is never rewritten nor judged while typed.
func TestTypedPassword(t *testing.T) {
	m := startedWith(t, English, method("password"))
	for _, in := range []string{"203 677", "２０３６７７", "12345678901234"} {
		if field, rewrite := m.Typed(in); field != in || rewrite || m.Problem() != "" {
			t.Errorf("password Typed(%q) = %q, %v, problem %q", in, field, rewrite, m.Problem())
		}
	}
}

// TestCountdownPerMethod: email, SMS and password count down the
// challenge's validity; app and token the 60-second step of the code on
// the cardholder's device, under their own label.
func TestCountdownPerMethod(t *testing.T) {
	validity := words{"Expires in", "有効期限まで"}
	step := words{"Code changes in", "次のコードまで"}
	tests := []struct {
		method string
		at     time.Duration // after t0, which starts a step
		label  words
		want   string
	}{
		{"email", 1500 * time.Millisecond, validity, "9:58"},
		{"sms", 1500 * time.Millisecond, validity, "9:58"},
		{"password", 1500 * time.Millisecond, validity, "9:58"},
		{"email", 9*time.Minute + 41*time.Second, validity, "0:19"},
		{"app", 0, step, "1:00"},
		{"app", 1500 * time.Millisecond, step, "0:58"},
		{"app", 59*time.Second + 999*time.Millisecond, step, "0:00"},
		{"app", 60 * time.Second, step, "1:00"},
		{"app", 9*time.Minute + 41*time.Second, step, "0:19"},
		{"token", 30 * time.Second, step, "0:30"},
		{"token", 2*time.Minute + 45*time.Second, step, "0:15"},
	}
	for _, tt := range tests {
		for _, l := range []Locale{English, Japanese} {
			m := startedWith(t, l, method(tt.method))
			s := m.Screen(t0.Add(tt.at))
			if s.Countdown != tt.want || s.Labels.ExpiresIn != tt.label.in(l) {
				t.Errorf("%s %s at +%v: %q %q, want %q %q", l, tt.method, tt.at, s.Labels.ExpiresIn, s.Countdown, tt.label.in(l), tt.want)
			}
		}
	}
}

func TestStepLeft(t *testing.T) {
	tests := []struct {
		unix   int64
		nanos  int64
		period int
		want   time.Duration
	}{
		{0, 0, 60, 60 * time.Second},
		{59, 0, 60, time.Second},
		{59, 500_000_000, 60, 500 * time.Millisecond},
		{61, 0, 60, 59 * time.Second},
		{-1, 0, 60, time.Second}, // before 1970: the step still floors
		{45, 0, 30, 15 * time.Second},
	}
	for _, tt := range tests {
		if got := stepLeft(time.Unix(tt.unix, tt.nanos), tt.period); got != tt.want {
			t.Errorf("stepLeft(%d.%09d, %d) = %v, want %v", tt.unix, tt.nanos, tt.period, got, tt.want)
		}
	}
}

// TestExpiryNotice: the polite notice comes ExpiryWarning before the
// challenge expires, for every method (app and token show the step, not
// the validity, so it is their only warning), and stays the same text
// until the end, so it is read once.
func TestExpiryNotice(t *testing.T) {
	soon := words{"Less than 20 seconds left to enter the code.", "入力の有効期限まで残り20秒を切りました。"}
	expires := t0.Add(10 * time.Minute)
	tests := []struct {
		at   time.Time
		want bool
	}{
		{t0, false},
		{expires.Add(-ExpiryWarning - time.Nanosecond), false},
		{expires.Add(-ExpiryWarning), true},
		{expires.Add(-time.Second), true},
		{expires.Add(-time.Nanosecond), true},
		{expires, false}, // expired: the flow ends, the status says so
	}
	for _, name := range []string{"email", "sms", "app", "token", "password"} {
		for _, l := range []Locale{English, Japanese} {
			m := startedWith(t, l, method(name))
			for _, tt := range tests {
				want := ""
				if tt.want {
					want = soon.in(l)
				}
				if got := m.Screen(tt.at).Notice; got != want {
					t.Errorf("%s %s at %v before expiry: notice %q, want %q", l, name, expires.Sub(tt.at), got, want)
				}
			}
		}
	}
	// The text names the number.
	for _, s := range []string{textEN.expiresSoon, textJA.expiresSoon} {
		if !strings.Contains(s, "20") || ExpiryWarning != 20*time.Second {
			t.Errorf("%q does not say ExpiryWarning %v", s, ExpiryWarning)
		}
	}
}

// resent returns a model whose code was resent at t0+31s, and the time.
func resent(t *testing.T, l Locale, delivery string) (*Model, time.Time) {
	t.Helper()
	m := started(t, l)
	at := t0.Add(31 * time.Second)
	if _, err := m.Resend(at); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, challengeResp("ct2", func(d *contract.Display) {
		d.ResendsLeft, d.Delivery = 2, delivery
		d.ResendAfter = at.Add(31 * time.Second)
		d.ExpiresAt = at.Add(10 * time.Minute)
	})))
	return m, at
}

// TestResendNotices: after a resend, "new code sent" with the time until
// the next action; a wrong code after it says when the newest code was
// sent (the edge cannot tell the replaced code from any wrong one).
func TestResendNotices(t *testing.T) {
	sent := words{"A new code was sent at 12:00 JST.", "12:00 JSTに新しいワンタイムパスワードを送信しました。"}
	wrong := words{"Incorrect code. A new code was sent at 12:00 JST: use the newest one. 4 attempts left.",
		"ワンタイムパスワードが正しくありません。12:00 JSTに新しいワンタイムパスワードを送信しました。最新のものを入力してください。あと4回入力できます。"}
	for _, l := range []Locale{English, Japanese} {
		m, at := resent(t, l, "sent")
		now := at.Add(time.Second)
		if s := m.Screen(now); s.Notice != sent.in(l) || s.Error != "" {
			t.Errorf("%s after resend: notice %q error %q, want notice %q", l, s.Notice, s.Error, sent.in(l))
		}
		if _, err := m.Verify("111111", now); err != nil {
			t.Fatal(err)
		}
		if s := m.Screen(now); s.Notice != "" {
			t.Errorf("%s: notice %q while the code is checked", l, s.Notice)
		}
		m.Apply(200, body(t, contract.Screen{State: "challenge", ChallengeToken: "ct2", Error: "wrong_code", MerchantOrigin: shopOrigin,
			Display: &contract.Display{Method: "email", ExpiresAt: at.Add(10 * time.Minute), AttemptsLeft: 4, ResendsLeft: 2, ResendAfter: at.Add(31 * time.Second)}}))
		if s := m.Screen(now); s.Error != wrong.in(l) || s.Notice != "" {
			t.Errorf("%s wrong code after resend: error %q notice %q, want %q", l, s.Error, s.Notice, wrong.in(l))
		}
		m.ToggleZone()
		if s := m.Screen(now); !strings.Contains(s.Error, "03:00 GMT") {
			t.Errorf("%s in GMT: error %q", l, s.Error)
		}
	}

	// No resend, no time: the plain message.
	m := started(t, English)
	if _, err := m.Verify("111111", t0); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, contract.Screen{State: "challenge", ChallengeToken: "ct1", Display: display(), Error: "wrong_code", MerchantOrigin: shopOrigin}))
	if s := m.Screen(t0); s.Error != "Incorrect code. 5 attempts left." {
		t.Errorf("wrong code without resend: %q", s.Error)
	}

	// A resend that sent nothing says nothing was sent.
	for _, d := range []string{"failed", "limited"} {
		m, at := resent(t, English, d)
		if s := m.Screen(at); s.Notice != "" || s.Error == "" {
			t.Errorf("resend with delivery %s: notice %q error %q", d, s.Notice, s.Error)
		}
	}
	// A refused resend neither.
	m = started(t, English)
	if _, err := m.Resend(t0.Add(31 * time.Second)); err != nil {
		t.Fatal(err)
	}
	m.Apply(429, errBody("resend_cooldown"))
	if s := m.Screen(t0.Add(31 * time.Second)); s.Notice != "" {
		t.Errorf("refused resend: notice %q", s.Notice)
	}
}

// TestCheckingLabel: Send says the code is being checked while it is, and
// the form is busy; not for other requests.
func TestCheckingLabel(t *testing.T) {
	for _, l := range []Locale{English, Japanese} {
		m := started(t, l)
		if _, err := m.Verify("123456", t0); err != nil {
			t.Fatal(err)
		}
		s := m.Screen(t0)
		if want := (words{"Checking…", "確認中…"}).in(l); s.Labels.Send != want || !s.Busy || s.CanSend {
			t.Errorf("%s verifying: send %q busy %v canSend %v, want %q", l, s.Labels.Send, s.Busy, s.CanSend, want)
		}
		m.Apply(200, body(t, contract.Screen{State: "challenge", ChallengeToken: "ct1", Display: display(), Error: "wrong_code", MerchantOrigin: shopOrigin}))
		if s := m.Screen(t0); s.Labels.Send != textFor(l).labels.Send || s.Busy {
			t.Errorf("%s after the answer: send %q busy %v", l, s.Labels.Send, s.Busy)
		}
		if _, err := m.Resend(t0.Add(31 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if s := m.Screen(t0.Add(31 * time.Second)); s.Labels.Send != textFor(l).labels.Send || !s.Busy {
			t.Errorf("%s resending: send %q busy %v", l, s.Labels.Send, s.Busy)
		}
	}
}

// TestPressCancel: the first press asks (label and notice), a second press
// within CancelConfirmTime cancels; after that time, or another action,
// the first press asks again.
func TestPressCancel(t *testing.T) {
	ask := words{"Cancel the payment?", "お支払いをキャンセルしますか？"}
	again := words{"Press again within 5 seconds to cancel the payment.", "5秒以内にもう一度押すと、お支払いをキャンセルします。"}
	for _, l := range []Locale{English, Japanese} {
		m := started(t, l)
		now := t0.Add(time.Second)
		if _, err := m.PressCancel(now); !errors.Is(err, ErrConfirmCancel) {
			t.Fatalf("%s first press: %v, want ErrConfirmCancel", l, err)
		}
		if s := m.Screen(now); s.Labels.Cancel != ask.in(l) || s.Notice != again.in(l) || !s.CanCancel || s.Busy {
			t.Errorf("%s asking: cancel %q notice %q canCancel %v", l, s.Labels.Cancel, s.Notice, s.CanCancel)
		}
		// The time runs out: Cancel again, and the next press asks again.
		later := now.Add(CancelConfirmTime)
		if s := m.Screen(later); s.Labels.Cancel != textFor(l).labels.Cancel || s.Notice != "" {
			t.Errorf("%s after %v: cancel %q notice %q", l, CancelConfirmTime, s.Labels.Cancel, s.Notice)
		}
		if _, err := m.PressCancel(later); !errors.Is(err, ErrConfirmCancel) {
			t.Fatalf("%s press after the time ran out: %v, want ErrConfirmCancel", l, err)
		}
		req, err := m.PressCancel(later.Add(CancelConfirmTime - time.Millisecond))
		if err != nil || req.Path != contract.ClientCancelPath || m.Pending() != Cancel {
			t.Fatalf("%s second press: %+v, %v", l, req, err)
		}
		if s := m.Screen(later); s.Labels.Cancel != textFor(l).labels.Cancel || s.Notice != "" || s.CanCancel {
			t.Errorf("%s cancelling: cancel %q notice %q canCancel %v", l, s.Labels.Cancel, s.Notice, s.CanCancel)
		}
	}

	// Another action in between: the next press asks again.
	m := started(t, English)
	if _, err := m.PressCancel(t0); !errors.Is(err, ErrConfirmCancel) {
		t.Fatal(err)
	}
	if _, err := m.Verify("123456", t0); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, contract.Screen{State: "challenge", ChallengeToken: "ct1", Display: display(), Error: "wrong_code", MerchantOrigin: shopOrigin}))
	if _, err := m.PressCancel(t0.Add(time.Second)); !errors.Is(err, ErrConfirmCancel) {
		t.Errorf("press after a verify: %v, want ErrConfirmCancel", err)
	}
	// Not in another phase.
	if _, err := New(English).PressCancel(t0); !errors.Is(err, ErrNotNow) {
		t.Errorf("PressCancel while loading: %v", err)
	}
}

// TestOTPKey: the browser listens for the SMS while an SMS challenge with a
// code waits for it, for the newest code.
func TestOTPKey(t *testing.T) {
	if k := startedWith(t, English, method("email")).OTPKey(); k != "" {
		t.Errorf("email: key %q", k)
	}
	if k := startedWith(t, English, method("app")).OTPKey(); k != "" {
		t.Errorf("app: key %q", k)
	}
	sms := func(d *contract.Display) { d.Method, d.Dest = "sms", "***-****-1234" }
	if k := startedWith(t, English, func(d *contract.Display) { sms(d); d.Delivery = "failed" }).OTPKey(); k != "" {
		t.Errorf("sms, no code sent: key %q", k)
	}
	if k := New(English).OTPKey(); k != "" {
		t.Errorf("loading: key %q", k)
	}

	m := startedWith(t, English, sms)
	if k := m.OTPKey(); k != "ct1" {
		t.Errorf("sms: key %q, want ct1", k)
	}
	if _, err := m.Verify("123456", t0); err != nil {
		t.Fatal(err)
	}
	if k := m.OTPKey(); k != "" {
		t.Errorf("sms while checking: key %q", k)
	}
	m.Apply(200, body(t, contract.Screen{State: "challenge", ChallengeToken: "ct1", Display: &contract.Display{Method: "sms", ExpiresAt: t0.Add(10 * time.Minute), ResendsLeft: 3, ResendAfter: t0.Add(30 * time.Second)}, Error: "wrong_code", MerchantOrigin: shopOrigin}))
	if k := m.OTPKey(); k != "ct1" {
		t.Errorf("sms after a wrong code: key %q", k)
	}
	if _, err := m.Resend(t0.Add(31 * time.Second)); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, challengeResp("ct2", sms)))
	if k := m.OTPKey(); k != "ct2" {
		t.Errorf("sms after a resend: key %q, want ct2", k)
	}
	if _, err := m.Cancel(); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, resultResp("N", contract.ReasonCancelled)))
	if k := m.OTPKey(); k != "" {
		t.Errorf("after the end: key %q", k)
	}
}

// TestWebOTP: one request per code; aborted when the key goes (submit,
// cancel, end) and then asked again for the same code; a request the
// browser settled is not asked again until a new code.
func TestWebOTP(t *testing.T) {
	type step struct {
		key     string // Sync(key), or settle when >= 0
		settle  int    // Settled(id) instead of Sync, when not 0
		abort   bool
		start   int
		comment string
	}
	steps := []step{
		{key: "", comment: "loading"},
		{key: "ct1", start: 1, comment: "the SMS challenge shows"},
		{key: "ct1", comment: "a re-render"},
		{key: "", abort: true, comment: "a code submitted"},
		{key: "", comment: "still checking"},
		{key: "ct1", start: 2, comment: "wrong code: asked again"},
		{settle: 1, comment: "the aborted one rejects, late"},
		{key: "ct1", comment: "still running"},
		{settle: 2, comment: "the cardholder dismissed the prompt"},
		{key: "ct1", comment: "not asked again for this code"},
		{key: "", comment: "resend under way"},
		{key: "ct2", start: 3, comment: "a new code"},
		{key: "", abort: true, comment: "the end"},
	}
	var w WebOTP
	for i, s := range steps {
		if s.settle != 0 {
			w.Settled(s.settle)
			continue
		}
		abort, start := w.Sync(s.key)
		if abort != s.abort || start != s.start {
			t.Errorf("step %d (%s): Sync(%q) = %v, %d; want %v, %d", i, s.comment, s.key, abort, start, s.abort, s.start)
		}
	}
}
