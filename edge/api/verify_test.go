package api_test

import (
	"context"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
)

func TestCorrectCode(t *testing.T) {
	e := newEnv(t)
	st := e.start("auth-y")
	rep := e.verify(st.ChallengeToken, codeFor(1))
	want(t, "verify", rep, http.StatusOK, "")
	if rep.State != "result" || rep.Status != "Y" || rep.Reason != "" || rep.MerchantOrigin != origin {
		t.Fatalf("reply %+v, want result Y for %s", rep, origin)
	}
	c := e.result(rep.ResultToken)
	if c.Subject != "auth-y" || c.Status != "Y" || c.ECI != "05" || c.AV != "av-auth-y" || c.ID == "" || c.StatusReason != "" {
		t.Errorf("result claims %+v", c)
	}
	if got := c.ExpiresAt.Sub(e.clock.Now()); got != 5*time.Minute {
		t.Errorf("result token lives %v, want 5m", got)
	}
	// Single use, but idempotent for the same proof: the same right code
	// on the same token gets the same result again (a lost answer is
	// recovered by a retry); anything else is refused.
	again := e.verify(st.ChallengeToken, codeFor(1))
	want(t, "second verify", again, http.StatusOK, "")
	if again.ResultToken != rep.ResultToken || again.Status != "Y" {
		t.Errorf("the same proof again got %+v, want the same result token", again)
	}
	want(t, "another code after the result", e.verify(st.ChallengeToken, wrongCode), http.StatusConflict, "already_used")
	want(t, "cancel after result", e.post("/v1/cancel", map[string]string{"challenge_token": st.ChallengeToken}), http.StatusConflict, "already_used")
	want(t, "resend after result", e.post("/v1/resend", map[string]string{"challenge_token": st.ChallengeToken}), http.StatusConflict, "already_used")

	// The outcome was queued before the answer, leased to the request,
	// which delivers it after the answer.
	if n := e.pending(); n != 1 {
		t.Fatalf("pending reports = %d, want 1", n)
	}
	if n, err := e.reports.Deliver(context.Background()); err != nil || n != 0 {
		t.Fatalf("Deliver of a leased report = (%d, %v), want it left to its request", n, err)
	}
	e.after.flush(context.Background())
	if n := e.pending(); n != 0 {
		t.Fatalf("pending reports after the request's delivery = %d, want 0", n)
	}
	e.issuer.mu.Lock()
	defer e.issuer.mu.Unlock()
	if len(e.issuer.results) != 1 {
		t.Fatalf("issuer got %d results, want 1", len(e.issuer.results))
	}
	got := e.issuer.results[0]
	if want := (contract.Outcome{JTI: c.ID, Sub: "auth-y", Status: "Y", Gen: gen(1), Attempts: 0, Cred: emailCred, ResultToken: rep.ResultToken}); !reflect.DeepEqual(got, want) {
		t.Errorf("issuer got %+v, want %+v", got, want)
	}
}

// TestWrongCodes walks an authentication to its limit: each wrong code
// counts down, the 5th ends it with N max_attempts, and a 6th is refused.
func TestWrongCodes(t *testing.T) {
	e := newEnv(t)
	st := e.start("auth-n")
	if st.Display.AttemptsLeft != 5 {
		t.Fatalf("attempts_left at start = %d, want 5", st.Display.AttemptsLeft)
	}
	for left := 4; left >= 1; left-- {
		rep := e.verify(st.ChallengeToken, wrongCode)
		want(t, "wrong code", rep, http.StatusOK, "wrong_code")
		if rep.State != "challenge" || rep.Display == nil || rep.Display.AttemptsLeft != left {
			t.Fatalf("after a wrong code: %+v (display %+v), want attempts_left %d", rep, rep.Display, left)
		}
		if rep.ChallengeToken != st.ChallengeToken || rep.Display.Message != st.Display.Message {
			t.Errorf("wrong-code screen changed token or message")
		}
	}
	rep := e.verify(st.ChallengeToken, wrongCode)
	want(t, "5th wrong code", rep, http.StatusOK, "")
	if rep.State != "result" || rep.Status != "N" || rep.Reason != "max_attempts" {
		t.Fatalf("5th wrong code: %+v, want result N max_attempts", rep)
	}
	c := e.result(rep.ResultToken)
	if c.Status != "N" || c.Reason != "max_attempts" || c.StatusReason != "19" || c.ECI != "07" || c.AV != "" {
		t.Errorf("result claims %+v, want N max_attempts status_reason 19", c)
	}
	// Even the right code is too late now.
	want(t, "6th call", e.verify(st.ChallengeToken, codeFor(1)), http.StatusConflict, "already_used")
	e.deliver(t, "N", "max_attempts", 5)
}

// deliver checks the authentication's one result report, as the issuer
// got it.
func (e *env) deliver(t *testing.T, status, reason string, attempts int) {
	t.Helper()
	var final []contract.Outcome
	for _, o := range e.reported() {
		if o.Status != "C" {
			final = append(final, o)
		}
	}
	if len(final) != 1 {
		t.Fatalf("issuer got %d results, want 1: %+v", len(final), final)
	}
	if o := final[0]; o.Status != status || o.Reason != reason || o.Attempts != attempts {
		t.Errorf("issuer got %+v, want %s %s attempts %d", o, status, reason, attempts)
	}
}

func TestCodeFormat(t *testing.T) {
	e := newEnv(t)
	st := e.start("auth-f")
	for _, code := range []string{"12345a", "12345", "1234567", "１２３４５６", " 123456", "12 456", "-12345", "+12345", "0x1234"} {
		want(t, "code "+code, e.verify(st.ChallengeToken, code), http.StatusBadRequest, "invalid_code_format")
	}
	// None of them counted: the next wrong code leaves 4.
	rep := e.verify(st.ChallengeToken, wrongCode)
	if rep.Display == nil || rep.Display.AttemptsLeft != 4 {
		t.Fatalf("after format errors and one wrong code: %+v, want attempts_left 4", rep.Display)
	}
}

func TestResend(t *testing.T) {
	e := newEnv(t)
	st := e.start("auth-r")
	want(t, "wrong code", e.verify(st.ChallengeToken, wrongCode), http.StatusOK, "wrong_code")

	// Too soon: the issuer's cooldown is passed on with its Retry-After.
	e.clock.Add(10 * time.Second)
	early := e.post("/v1/resend", map[string]string{"challenge_token": st.ChallengeToken})
	want(t, "early resend", early, http.StatusTooManyRequests, "resend_cooldown")
	if ra := early.header.Get("Retry-After"); ra != "20" {
		t.Errorf("Retry-After %q, want 20", ra)
	}

	e.clock.Add(21 * time.Second)
	rs := e.post("/v1/resend", map[string]string{"challenge_token": st.ChallengeToken})
	want(t, "resend", rs, http.StatusOK, "")
	if rs.State != "challenge" || rs.ChallengeToken == "" || rs.ChallengeToken == st.ChallengeToken {
		t.Fatalf("resend: %+v, want a new challenge token", rs)
	}
	d := rs.Display
	if d.AttemptsLeft != 4 {
		t.Errorf("attempts_left after resend = %d, want 4 (not reset)", d.AttemptsLeft)
	}
	if want := e.clock.Now().Truncate(time.Second).Add(31 * time.Second); !d.ResendAfter.Equal(want) {
		t.Errorf("resend_after = %s, want %s", d.ResendAfter, want)
	}
	if d.Delivery != "sent" {
		t.Errorf("delivery = %q", d.Delivery)
	}
	if d.ResendsLeft != maxResends-1 {
		t.Errorf("resends_left after one resend = %d, want %d", d.ResendsLeft, maxResends-1)
	}

	// Every use of the old token is refused; the old code too.
	want(t, "old token verify", e.verify(st.ChallengeToken, codeFor(1)), http.StatusConflict, "superseded")
	want(t, "old token resend", e.post("/v1/resend", map[string]string{"challenge_token": st.ChallengeToken}), http.StatusConflict, "superseded")
	want(t, "old token cancel", e.post("/v1/cancel", map[string]string{"challenge_token": st.ChallengeToken}), http.StatusConflict, "superseded")
	want(t, "old code, new token", e.verify(rs.ChallengeToken, codeFor(1)), http.StatusOK, "wrong_code")

	rep := e.verify(rs.ChallengeToken, codeFor(2))
	if rep.status != http.StatusOK || rep.Status != "Y" {
		t.Fatalf("new code: %+v, want Y", rep)
	}
	e.deliver(t, "Y", "", 2)
}

// TestResendKeepsLimit: resending is no way around the limit.
func TestResendKeepsLimit(t *testing.T) {
	e := newEnv(t)
	tok := e.start("auth-l").ChallengeToken
	for i := range 4 {
		want(t, "wrong code", e.verify(tok, wrongCode), http.StatusOK, "wrong_code")
		if i%2 == 1 {
			e.clock.Add(30 * time.Second)
			rs := e.post("/v1/resend", map[string]string{"challenge_token": tok})
			want(t, "resend", rs, http.StatusOK, "")
			tok = rs.ChallengeToken
		}
	}
	rep := e.verify(tok, wrongCode)
	if rep.State != "result" || rep.Reason != "max_attempts" {
		t.Fatalf("5th wrong code across resends: %+v, want N max_attempts", rep)
	}
}

func TestCancel(t *testing.T) {
	e := newEnv(t)
	st := e.start("auth-c")
	rep := e.post("/v1/cancel", map[string]string{"challenge_token": st.ChallengeToken})
	want(t, "cancel", rep, http.StatusOK, "")
	if rep.State != "result" || rep.Status != "N" || rep.Reason != "cardholder_cancelled" || rep.MerchantOrigin != origin {
		t.Fatalf("cancel: %+v", rep)
	}
	if c := e.result(rep.ResultToken); c.Reason != "cardholder_cancelled" || c.StatusReason != "01" || c.ECI != "07" || c.AV != "" {
		t.Errorf("result claims %+v, want status_reason 01", c)
	}
	want(t, "verify after cancel", e.verify(st.ChallengeToken, codeFor(1)), http.StatusConflict, "already_used")
	e.deliver(t, "N", "cardholder_cancelled", 0)
}

// TestChallengeTokenRefused: tokens that are not a valid, current challenge
// token of the issuer, on every endpoint that takes one.
func TestChallengeTokenRefused(t *testing.T) {
	e := newEnv(t)
	other, _ := keys(t) // another issuer's keys
	stranger := minter{keys: other, clock: e.clock, maxAttempts: 5}

	expired := e.m.challenge(t, "auth-x", 1)
	e.clock.Add(10*time.Minute + limits.ClockSkew + time.Second) // expired is now past its exp and the clock tolerance
	movedSeal := func() string {
		donor := e.m.challengeClaims(t, "auth-m", 1)
		c := e.m.challengeClaims(t, "auth-m", 1)
		c.Seal = donor.Seal // sealed for donor's jti
		return e.m.sign(t, challenge.TypChallenge, c)
	}()
	wrongAudience := func() string {
		c := e.m.challengeClaims(t, "auth-a", 1)
		c.Audience = []string{"somebody-else"}
		return e.m.sign(t, challenge.TypChallenge, c)
	}()
	tests := []struct {
		name   string
		token  string
		status int
		code   string
	}{
		{"malformed", "not.a.jwt", http.StatusUnauthorized, "invalid_token"},
		{"garbage", "x", http.StatusUnauthorized, "invalid_token"},
		{"session token", e.m.session(t, "auth-s"), http.StatusUnauthorized, "invalid_token"},
		{"other signer", stranger.challenge(t, "auth-o", 1), http.StatusUnauthorized, "invalid_token"},
		{"wrong audience", wrongAudience, http.StatusUnauthorized, "invalid_token"},
		{"seal moved from another token", movedSeal, http.StatusUnauthorized, "invalid_token"},
		{"expired", expired, http.StatusGone, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want(t, "verify", e.verify(tt.token, codeFor(1)), tt.status, tt.code)
			if tt.name == "seal moved from another token" {
				return // resend and cancel do not open the seal
			}
			want(t, "resend", e.post("/v1/resend", map[string]string{"challenge_token": tt.token}), tt.status, tt.code)
			want(t, "cancel", e.post("/v1/cancel", map[string]string{"challenge_token": tt.token}), tt.status, tt.code)
		})
	}
	if n := e.pending(); n != 0 {
		t.Errorf("refused tokens queued %d outcomes", n)
	}
}

// TestConcurrentVerify: many right codes at once still give one result:
// each answer is that result (the same proof) or a refusal, never a second
// result, and the issuer hears of one.
func TestConcurrentVerify(t *testing.T) {
	e := newEnv(t)
	tok := e.start("auth-race").ChallengeToken
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	tokens := map[string]bool{}
	for range 10 {
		wg.Go(func() {
			rep := e.verify(tok, codeFor(1))
			mu.Lock()
			counts[rep.status]++
			if rep.status == http.StatusOK {
				tokens[rep.ResultToken] = true
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[http.StatusOK] < 1 || counts[http.StatusOK]+counts[http.StatusConflict] != 10 || len(tokens) != 1 {
		t.Errorf("statuses %v, %d distinct result tokens; want 200s (one token) and 409s", counts, len(tokens))
	}
	var finals int
	for _, o := range e.reported() {
		if o.Status != contract.StatusChallenge {
			finals++
		}
	}
	if finals != 1 {
		t.Errorf("the issuer got %d results, want 1", finals)
	}
}

// TestLimitFromPayload: the issuer's sealed max_attempts is the limit.
func TestLimitFromPayload(t *testing.T) {
	e := newEnv(t)
	e.m.maxAttempts = 2
	e.issuer.m.maxAttempts = 2
	st := e.start("auth-2")
	if st.Display.AttemptsLeft != 2 {
		t.Fatalf("attempts_left = %d, want 2", st.Display.AttemptsLeft)
	}
	want(t, "1st wrong", e.verify(st.ChallengeToken, wrongCode), http.StatusOK, "wrong_code")
	if rep := e.verify(st.ChallengeToken, wrongCode); rep.Reason != "max_attempts" {
		t.Fatalf("2nd wrong: %+v, want max_attempts", rep)
	}
}
