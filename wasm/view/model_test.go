package view

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

const shopOrigin = "http://localhost:8080"

// t0 is the transaction time in the examples; the code expires 10 minutes
// later and may be resent after 30 seconds.
var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func display() *contract.Display {
	return &contract.Display{
		Merchant: "Demo Shop", Amount: 1250, Currency: "JPY", Date: t0,
		Last4: "1234", Message: "Blue whale", Method: "email", Dest: "***@mail.jp",
		ExpiresAt: t0.Add(10 * time.Minute), AttemptsLeft: 5, ResendAfter: t0.Add(30 * time.Second),
		ResendsLeft: 3, Delivery: "sent",
	}
}

func body(t *testing.T, r contract.Screen) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func challengeResp(token string, mutate func(*contract.Display)) contract.Screen {
	d := display()
	if mutate != nil {
		mutate(d)
	}
	return contract.Screen{State: contract.StateChallenge, ChallengeToken: token, Display: d, MerchantOrigin: shopOrigin}
}

func resultResp(status, reason string) contract.Screen {
	return contract.Screen{State: contract.StateResult, Result: contract.Result{ResultToken: "rt", Status: status, Reason: reason},
		MerchantOrigin: shopOrigin}
}

func errBody(code string) []byte {
	return []byte(`{"error":"` + code + `","message":"m"}`)
}

// started returns a model showing the challenge.
func started(t *testing.T, l Locale) *Model {
	t.Helper()
	m := New(l)
	if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, challengeResp("ct1", nil)))
	if m.Phase() != Challenge {
		t.Fatalf("phase after start = %v, want challenge", m.Phase())
	}
	return m
}

func TestChallengeScreen(t *testing.T) {
	m := started(t, English)
	now := t0.Add(1500 * time.Millisecond)
	got := m.Screen(now)
	want := Screen{
		Phase: Challenge, Lang: "en", Labels: textEN.labels,
		ShowSummary: true,
		Merchant:    "Demo Shop",
		Amount:      "¥1,250",
		Date:        "2026-11-22 12:00 JST",
		DateNote:    "The date shown may differ from the actual date of the transaction (JST/GMT)",
		ZoneToggle:  "Show in GMT",
		Last4:       "**** 1234",
		Message:     "Blue whale",
		Dest:        "Code sent to ***@mail.jp",
		Attempts:    "5 attempts left",
		Countdown:   "9:58",
		CanSend:     true,
		ShowResend:  true,
		CanResend:   false,
		Resend:      "Resend code (0:29)",
		CanCancel:   true,
		Help:        "Your card issuer asks you to confirm that this purchase is yours, to protect your card from misuse.",
	}
	if got != want {
		t.Errorf("Screen =\n%+v\nwant\n%+v", got, want)
	}

	m.ToggleZone()
	s := m.Screen(now)
	if s.Date != "2026-11-22 03:00 GMT" || s.ZoneToggle != "Show in JST" {
		t.Errorf("after toggle: date %q, toggle %q", s.Date, s.ZoneToggle)
	}
	m.ToggleZone()
	if s := m.Screen(now); s.Date != "2026-11-22 12:00 JST" {
		t.Errorf("after second toggle: date %q", s.Date)
	}
}

func TestChallengeScreenJapanese(t *testing.T) {
	m := started(t, Japanese)
	s := m.Screen(t0)
	checks := map[string][2]string{
		"Lang":     {s.Lang, "ja"},
		"Amount":   {s.Amount, "1,250円"}, // as the code mail and SMS write it (edge/money)
		"Date":     {s.Date, "2026年11月22日 12:00 JST"},
		"DateNote": {s.DateNote, "表示される日付は、実際の取引日と異なる場合があります（JST/GMT）"},
		"Toggle":   {s.ZoneToggle, "GMTで表示"},
		"Dest":     {s.Dest, "ワンタイムパスワードを ***@mail.jp に送信しました"},
		"Attempts": {s.Attempts, "残り5回"},
		"Send":     {s.Labels.Send, "送信"},
		"Resend":   {s.Resend, "再送信 (0:30)"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
}

func TestCountdownAndResendTiming(t *testing.T) {
	tests := []struct {
		at                 time.Duration // after t0
		countdown, resend  string
		canSend, canResend bool
		errorCode          string
	}{
		{0, "10:00", "Resend code (0:30)", true, false, ""},
		{29*time.Second + time.Millisecond, "9:30", "Resend code (0:01)", true, false, ""},
		{30 * time.Second, "9:30", "Resend code", true, true, ""},
		{9*time.Minute + 59*time.Second, "0:01", "Resend code", true, true, ""},
		{10 * time.Minute, "0:00", "Resend code", false, false, "expired"},
		{11 * time.Minute, "0:00", "Resend code", false, false, "expired"},
	}
	for _, tt := range tests {
		m := started(t, English)
		s := m.Screen(t0.Add(tt.at))
		if s.Countdown != tt.countdown || s.Resend != tt.resend || s.CanSend != tt.canSend ||
			s.CanResend != tt.canResend || s.ErrorCode != tt.errorCode {
			t.Errorf("at +%v: countdown %q resend %q canSend %v canResend %v error %q; want %q %q %v %v %q",
				tt.at, s.Countdown, s.Resend, s.CanSend, s.CanResend, s.ErrorCode,
				tt.countdown, tt.resend, tt.canSend, tt.canResend, tt.errorCode)
		}
	}
}

func TestRequests(t *testing.T) {
	m := New(English)
	req, err := m.Start("st.tok.en", contract.DeviceSignals{UA: "ua", Languages: []string{"ja-JP"}, TZOffset: -540})
	if err != nil {
		t.Fatal(err)
	}
	if req.Path != "/v1/start" ||
		!strings.Contains(string(req.Body), `"session_token":"st.tok.en"`) ||
		!strings.Contains(string(req.Body), `"device":{"ua":"ua",`) ||
		!strings.Contains(string(req.Body), `"tz_offset":-540`) {
		t.Errorf("start request = %s %s", req.Path, req.Body)
	}
	m.Apply(200, body(t, challengeResp("ct1", nil)))

	now := t0.Add(time.Minute)
	tests := []struct {
		name string
		do   func() (Request, error)
		path string
		body string
	}{
		{"verify", func() (Request, error) { return m.Verify(" １２３４５６ ", now) }, "/v1/verify", `{"challenge_token":"ct1","code":"123456"}`},
		{"resend", func() (Request, error) { return m.Resend(now) }, "/v1/resend", `{"challenge_token":"ct1"}`},
		{"cancel", func() (Request, error) { return m.Cancel() }, "/v1/cancel", `{"challenge_token":"ct1"}`},
	}
	for _, tt := range tests {
		req, err := tt.do()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if req.Path != tt.path || string(req.Body) != tt.body {
			t.Errorf("%s: request %s %s, want %s %s", tt.name, req.Path, req.Body, tt.path, tt.body)
		}
		if !m.Screen(now).Busy {
			t.Errorf("%s: screen not busy while waiting", tt.name)
		}
		m.Apply(200, body(t, challengeResp("ct1", nil)))
	}
}

// step is one move in a flow: an action, then (if it produced a request)
// the edge's answer, then what the screen must say.
type step struct {
	do     string // "start", "verify:<input>", "resend", "cancel", "toggle"
	status int    // HTTP status of the answer; 0 = network error; -1 = no answer yet
	body   []byte
	at     time.Duration // clock, after t0

	actErr    error // the error the action must return (nil: none)
	phase     Phase
	errorCode string
	errorHas  string // substring of Screen.Error
	statusHas string // substring of Screen.Status
	canSend   *bool
	canResend *bool
	canRetry  *bool
	attempts  string
	result    *contract.Result
}

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

func TestFlows(t *testing.T) {
	chal := func(token string, f func(*contract.Display)) []byte { return body(t, challengeResp(token, f)) }
	wrong := func(left int) []byte {
		r := challengeResp("ct1", func(d *contract.Display) { d.AttemptsLeft = left })
		r.Error = "wrong_code"
		return body(t, r)
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"happy path", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge, canSend: yes()},
			{do: "verify:123456", status: 200, body: body(t, resultResp("Y", "")), at: time.Minute, phase: Done,
				statusHas: "Authentication complete", result: &contract.Result{ResultToken: "rt", Status: "Y"}},
		}},
		{"frictionless result from start", []step{
			{do: "start", status: 200, body: body(t, resultResp("Y", "")), phase: Done, statusHas: "Authentication complete"},
		}},
		{"denied at start", []step{
			{do: "start", status: 200, body: body(t, resultResp("R", "denied")), phase: Done,
				statusHas: "Authentication failed", result: &contract.Result{ResultToken: "rt", Status: "R", Reason: "denied"}},
		}},
		{"wrong code then right", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:111111", status: 200, body: wrong(4), phase: Challenge, errorCode: "wrong_code",
				errorHas: "Incorrect code. 4 attempts left.", attempts: "4 attempts left", canSend: yes()},
			{do: "verify:111111", status: 200, body: wrong(1), phase: Challenge, errorHas: "1 attempt left."},
			{do: "verify:123456", status: 200, body: body(t, resultResp("Y", "")), phase: Done},
		}},
		{"max attempts", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:111111", status: 200, body: body(t, resultResp("N", "max_attempts")), phase: Done,
				statusHas: "Authentication failed\nToo many incorrect codes were entered", result: &contract.Result{ResultToken: "rt", Status: "N", Reason: "max_attempts"}},
		}},
		{"malformed code stays in the browser", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:12345", status: -1, actErr: ErrCodeFormat, phase: Challenge, errorCode: "invalid_code_format", errorHas: "6-digit", canSend: yes()},
			{do: "verify:abcdef", status: -1, actErr: ErrCodeFormat, phase: Challenge, errorCode: "invalid_code_format"},
			{do: "verify:", status: -1, actErr: ErrCodeEmpty, phase: Challenge, errorCode: "empty_code", errorHas: "Enter the code."},
		}},
		{"edge refuses the format", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: 400, body: errBody("invalid_code_format"), phase: Challenge, errorCode: "invalid_code_format", canSend: yes()},
		}},
		{"cancel", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "cancel", status: 200, body: body(t, resultResp("N", "cardholder_cancelled")), phase: Done, statusHas: "Cancelled",
				result: &contract.Result{ResultToken: "rt", Status: "N", Reason: "cardholder_cancelled"}},
		}},
		{"resend too early", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "resend", status: -1, at: 10 * time.Second, actErr: ErrNoResend, phase: Challenge, canResend: no()},
		}},
		{"resend gives a new token", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "resend", status: 200, at: 31 * time.Second, body: chal("ct2", func(d *contract.Display) {
				d.ResendAfter = t0.Add(61 * time.Second)
				d.ExpiresAt = t0.Add(631 * time.Second)
			}), phase: Challenge, canResend: no()},
			{do: "verify:123456", status: -1, at: 40 * time.Second, phase: Challenge},
		}},
		// The edge says 410 when the challenge token has expired (its
		// expiry is the code's); a client clock behind the edge's sees it.
		{"expired on the edge at verify", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: 410, body: errBody("expired"), at: time.Minute, phase: Failed,
				statusHas: "This authentication has expired", result: &contract.Result{Status: "U", Reason: "expired"}},
			{do: "resend", status: -1, at: time.Minute, actErr: ErrNotNow, phase: Failed},
		}},
		{"expired on the edge at resend", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "resend", status: 410, body: errBody("expired"), at: 9 * time.Minute, phase: Failed,
				statusHas: "This authentication has expired", result: &contract.Result{Status: "U", Reason: "expired"}},
		}},
		{"expired on the edge at cancel", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "cancel", status: 410, body: []byte("gone"), phase: Failed, result: &contract.Result{Status: "U", Reason: "expired"}},
		}},
		{"expired on the clock at verify", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: -1, at: 10 * time.Minute, actErr: ErrExpired, phase: Failed,
				statusHas: "This authentication has expired", result: &contract.Result{Status: "U", Reason: "expired"}},
		}},
		{"expired on the clock at resend", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "resend", status: -1, at: 11 * time.Minute, actErr: ErrExpired, phase: Failed},
		}},
		{"resend cooldown", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "resend", status: 429, body: errBody("resend_cooldown"), at: time.Minute, phase: Challenge,
				errorCode: "resend_cooldown", errorHas: "Please wait a moment", canSend: yes(), canResend: yes()},
		}},
		{"delivery failed", []step{
			{do: "start", status: 200, body: chal("ct1", func(d *contract.Display) { d.Delivery = "failed" }), phase: Challenge,
				errorCode: "delivery_failed", errorHas: "could not be sent", canSend: no()},
			{do: "resend", status: 200, at: time.Minute, body: chal("ct2", func(d *contract.Display) { d.Delivery = "sent" }), phase: Challenge, errorCode: ""},
		}},
		{"invalid session at start", []step{
			{do: "start", status: 401, body: errBody("invalid_token"), phase: Failed, statusHas: "not valid",
				result: &contract.Result{Status: "U", Reason: "invalid_token"}},
		}},
		{"superseded", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: 409, body: errBody("superseded"), phase: Failed, statusHas: "newer code",
				result: &contract.Result{Status: "U", Reason: "superseded"}},
			{do: "verify:123456", status: -1, actErr: ErrNotNow, phase: Failed},
		}},
		{"already used", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: 409, body: errBody("already_used"), phase: Failed, statusHas: "already ended"},
		}},
		{"issuer unavailable then success", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: 502, body: errBody("issuer_unavailable"), phase: Challenge,
				errorCode: "issuer_unavailable", errorHas: "cannot be reached", canSend: yes()},
			{do: "verify:123456", status: 200, body: body(t, resultResp("Y", "")), phase: Done},
		}},
		{"proxy error page", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: 503, body: []byte("<html>Bad gateway</html>"), phase: Challenge, errorCode: "issuer_unavailable"},
			{do: "resend", status: 401, body: []byte("<html>denied</html>"), at: time.Minute, phase: Failed, statusHas: "not valid"},
		}},
		{"network error while loading, retry", []step{
			{do: "start", status: 0, phase: Loading, statusHas: "Connection problem", canRetry: yes()},
			{do: "start", status: -1, phase: Loading, statusHas: "Loading…", canRetry: no()},
		}},
		{"issuer down while loading, retry works", []step{
			{do: "start", status: 502, body: errBody("issuer_unavailable"), phase: Loading, statusHas: "cannot be reached", canRetry: yes()},
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge, canRetry: no()},
		}},
		{"network error during verify", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: 0, phase: Challenge, errorCode: "network", errorHas: "Connection problem", canSend: yes()},
		}},
		{"busy refuses a second request", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: -1, phase: Challenge, canSend: no(), canResend: no(), statusHas: "Please wait"},
			{do: "verify:123456", status: -1, actErr: ErrBusy, phase: Challenge},
			{do: "cancel", status: -1, actErr: ErrBusy, phase: Challenge},
		}},
		{"garbage 200", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: 200, body: []byte("{"), phase: Challenge, errorCode: "bad_response", errorHas: "Something went wrong"},
			{do: "verify:123456", status: 200, body: []byte(`{"state":"result","status":"Q"}`), phase: Challenge, errorCode: "bad_response"},
			{do: "verify:123456", status: 200, body: []byte(`{"state":"challenge","display":{}}`), phase: Challenge, errorCode: "bad_response"},
			{do: "verify:123456", status: 200, body: []byte(`{"state":"weird"}`), phase: Challenge, errorCode: "bad_response"},
			{do: "verify:123456", status: 200, body: []byte(`{"state":"challenge","challenge_token":"x","display":{"date":""}}`), phase: Challenge, errorCode: "bad_response"},
		}},
		{"unknown edge error", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "verify:123456", status: 429, body: errBody("slow_down"), phase: Challenge, errorCode: "slow_down", errorHas: "Something went wrong"},
		}},
		{"no session token", []step{
			{do: "start:", status: -1, actErr: ErrNoSession, phase: Failed, statusHas: "not valid"},
		}},
		{"nothing after the result", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "cancel", status: 200, body: body(t, resultResp("N", "cardholder_cancelled")), phase: Done},
			{do: "verify:123456", status: -1, actErr: ErrNotNow, phase: Done},
			{do: "resend", status: -1, at: time.Hour, actErr: ErrNotNow, phase: Done},
			{do: "cancel", status: -1, actErr: ErrNotNow, phase: Done},
			{do: "start", status: -1, actErr: ErrNotNow, phase: Done},
		}},
		{"resend limit keeps the challenge usable", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "resend", status: 429, body: errBody("resend_limit"), at: time.Minute, phase: Challenge,
				errorCode: "resend_limit", errorHas: "Enter the latest code", canSend: yes(), canResend: no()},
			{do: "resend", status: -1, at: 2 * time.Minute, actErr: ErrNoResend, phase: Challenge},
			{do: "verify:123456", status: 200, body: body(t, resultResp("Y", "")), at: 2 * time.Minute, phase: Done},
		}},
		{"send limit keeps the challenge usable", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "resend", status: 429, body: errBody("send_limit"), at: time.Minute, phase: Challenge,
				errorCode: "send_limit", errorHas: "no new code was sent", canSend: yes(), canResend: no()},
			{do: "verify:111111", status: 200, body: wrong(4), at: 2 * time.Minute, phase: Challenge, errorCode: "wrong_code", canResend: no()},
		}},
		{"last resend used", []step{
			{do: "start", status: 200, body: chal("ct1", nil), phase: Challenge},
			{do: "resend", status: 200, at: time.Minute, body: chal("ct2", func(d *contract.Display) { d.ResendsLeft = 0 }), phase: Challenge, canResend: no()},
			{do: "resend", status: -1, at: 5 * time.Minute, actErr: ErrNoResend, phase: Challenge},
		}},
		{"app method has no resend", []step{
			{do: "start", status: 200, body: chal("ct1", func(d *contract.Display) { d.Method = "app"; d.Dest = "" }), phase: Challenge, canResend: no()},
			{do: "resend", status: -1, at: 5 * time.Minute, actErr: ErrNoResend, phase: Challenge},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(English)
			for i, st := range tt.steps {
				now := t0.Add(st.at)
				var err error
				switch {
				case st.do == "start":
					_, err = m.Start("st", contract.DeviceSignals{})
				case st.do == "start:":
					_, err = m.Start("", contract.DeviceSignals{})
				case strings.HasPrefix(st.do, "verify:"):
					_, err = m.Verify(strings.TrimPrefix(st.do, "verify:"), now)
				case st.do == "resend":
					_, err = m.Resend(now)
				case st.do == "cancel":
					_, err = m.Cancel()
				default:
					t.Fatalf("step %d: unknown action %q", i, st.do)
				}
				if !errors.Is(err, st.actErr) {
					t.Fatalf("step %d %s: error %v, want %v", i, st.do, err, st.actErr)
				}
				if err == nil {
					switch st.status {
					case -1:
					case 0:
						m.NetworkError()
					default:
						m.Apply(st.status, st.body)
					}
				}
				s := m.Screen(now)
				if s.Phase != st.phase {
					t.Fatalf("step %d %s: phase %v, want %v (status %q, error %q)", i, st.do, s.Phase, st.phase, s.Status, s.Error)
				}
				if st.errorCode != "" && s.ErrorCode != st.errorCode {
					t.Errorf("step %d %s: error code %q, want %q", i, st.do, s.ErrorCode, st.errorCode)
				}
				if !strings.Contains(s.Error, st.errorHas) {
					t.Errorf("step %d %s: error %q, want it to contain %q", i, st.do, s.Error, st.errorHas)
				}
				if !strings.Contains(s.Status, st.statusHas) {
					t.Errorf("step %d %s: status %q, want it to contain %q", i, st.do, s.Status, st.statusHas)
				}
				if st.canSend != nil && s.CanSend != *st.canSend {
					t.Errorf("step %d %s: CanSend %v, want %v", i, st.do, s.CanSend, *st.canSend)
				}
				if st.canResend != nil && s.CanResend != *st.canResend {
					t.Errorf("step %d %s: CanResend %v, want %v", i, st.do, s.CanResend, *st.canResend)
				}
				if st.canRetry != nil && s.CanRetry != *st.canRetry {
					t.Errorf("step %d %s: CanRetry %v, want %v", i, st.do, s.CanRetry, *st.canRetry)
				}
				if st.attempts != "" && s.Attempts != st.attempts {
					t.Errorf("step %d %s: attempts %q, want %q", i, st.do, s.Attempts, st.attempts)
				}
				r, ended := m.Result()
				if ended != (st.phase == Done || st.phase == Failed) {
					t.Errorf("step %d %s: Result ended = %v in phase %v", i, st.do, ended, st.phase)
				}
				if st.result != nil && r != *st.result {
					t.Errorf("step %d %s: result %+v, want %+v", i, st.do, r, *st.result)
				}
			}
		})
	}
}

// An answer that arrives after the flow ended (or with nothing pending)
// changes nothing.
func TestLateAnswerIgnored(t *testing.T) {
	m := started(t, English)
	if _, err := m.Cancel(); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, resultResp("N", "cardholder_cancelled")))
	m.Apply(200, body(t, resultResp("Y", "")))
	m.NetworkError()
	if r, _ := m.Result(); r.Status != "N" || m.Phase() != Done {
		t.Fatalf("after late answers: phase %v result %+v", m.Phase(), r)
	}

	m = New(English)
	m.Apply(200, body(t, challengeResp("ct1", nil))) // nothing was asked
	if m.Phase() != Loading {
		t.Fatalf("unsolicited answer moved the phase to %v", m.Phase())
	}
}

// The edge's merchant origin is what TargetOrigin compares with the token.
func TestMerchantOriginFromResponse(t *testing.T) {
	m := started(t, English)
	if m.MerchantOrigin() != shopOrigin {
		t.Fatalf("MerchantOrigin = %q", m.MerchantOrigin())
	}
}

// Values from the edge are shown as given: the browser side puts them into
// text nodes, never HTML, so markup in a merchant name is harmless text.
func TestScreenKeepsMarkupAsText(t *testing.T) {
	m := New(English)
	if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, challengeResp("ct1", func(d *contract.Display) {
		d.Merchant = `<img src=x onerror=alert(1)>`
		d.Message = "</p><script>x</script>"
	})))
	s := m.Screen(t0)
	if s.Merchant != `<img src=x onerror=alert(1)>` || s.Message != "</p><script>x</script>" {
		t.Fatalf("merchant %q message %q", s.Merchant, s.Message)
	}
}

func TestUnknownLocaleFallsBackToEnglish(t *testing.T) {
	m := New(Locale("fr"))
	s := m.Screen(t0)
	if s.Lang != "en" || s.Status != "Loading…" {
		t.Fatalf("lang %q status %q", s.Lang, s.Status)
	}
}

// After a resend the old challenge token is refused by the edge, so every
// later request must carry the new one.
func TestResendReplacesToken(t *testing.T) {
	m := started(t, English)
	now := t0.Add(time.Minute)
	if _, err := m.Resend(now); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, challengeResp("ct2", nil)))
	req, err := m.Verify("123456", now)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"challenge_token":"ct2","code":"123456"}`; string(req.Body) != want {
		t.Fatalf("verify after resend = %s, want %s", req.Body, want)
	}
}

// Expire ends the flow when the clock passes expires_at, unless an answer
// is on its way.
func TestExpire(t *testing.T) {
	m := started(t, English)
	if m.Expire(t0.Add(9*time.Minute + 59*time.Second)) {
		t.Fatal("Expire before expires_at ended the flow")
	}
	if _, err := m.Verify("123456", t0.Add(9*time.Minute+59*time.Second)); err != nil {
		t.Fatal(err)
	}
	if m.Expire(t0.Add(10 * time.Minute)) {
		t.Fatal("Expire ended the flow while a verify was under way")
	}
	m.Apply(200, body(t, resultResp("Y", "")))
	if m.Expire(t0.Add(11*time.Minute)) || m.Phase() != Done {
		t.Fatalf("Expire after the result: phase %v", m.Phase())
	}

	m = started(t, Japanese)
	if !m.Expire(t0.Add(10 * time.Minute)) {
		t.Fatal("Expire at expires_at did not end the flow")
	}
	r, ended := m.Result()
	if !ended || r != (contract.Result{Status: "U", Reason: "expired"}) {
		t.Fatalf("result after expiry: %+v, %v", r, ended)
	}
	if s := m.Screen(t0.Add(10 * time.Minute)); s.Status != "認証できませんでした\n有効期限が切れたため、このお支払いは確認できませんでした。\nお支払いになる場合は、このページでもう一度お支払い手続きをしてください。" {
		t.Fatalf("status after expiry: %q", s.Status)
	}
	if m.Expire(t0.Add(11 * time.Minute)) {
		t.Fatal("Expire ended the flow twice")
	}
}
