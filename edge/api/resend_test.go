package api_test

import (
	"net/http"
	"testing"
	"time"
)

// TestResendRefused: the issuer's resend refusals reach the client with
// the issuer's status and code; only the cooldown carries a Retry-After.
func TestResendRefused(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		code   string
		status int
	}{
		{"resend_limit", http.StatusTooManyRequests},
		{"send_limit", http.StatusTooManyRequests},
		{"not_resendable", http.StatusConflict},
	} {
		t.Run(tt.code, func(t *testing.T) {
			st := e.start("auth-rr-" + tt.code)
			e.clock.Add(31 * time.Second) // past the cooldown
			e.issuer.mu.Lock()
			e.issuer.refuseResend = &refusal{status: tt.status, code: tt.code}
			e.issuer.mu.Unlock()
			defer func() { e.issuer.mu.Lock(); e.issuer.refuseResend = nil; e.issuer.mu.Unlock() }()
			rep := e.post("/v1/resend", map[string]string{"challenge_token": st.ChallengeToken})
			want(t, "resend", rep, tt.status, tt.code)
			if ra := rep.header.Get("Retry-After"); ra != "" {
				t.Errorf("Retry-After %q on %s", ra, tt.code)
			}
			// The challenge goes on: the code already sent still works.
			if rep := e.verify(st.ChallengeToken, codeFor(1)); rep.Status != "Y" {
				t.Errorf("verify after a refused resend: %+v, want Y", rep)
			}
		})
	}
}

// TestDelivery: the issuer's delivery (and the token's resends_left) reach
// the screen as they are, after start and after resend.
func TestDelivery(t *testing.T) {
	e := newEnv(t)
	for _, delivery := range []string{"sent", "failed", "limited", "none"} {
		t.Run(delivery, func(t *testing.T) {
			e.issuer.mu.Lock()
			e.issuer.delivery = delivery
			e.issuer.mu.Unlock()
			st := e.start("auth-d-" + delivery)
			if d := st.Display; d.Delivery != delivery || d.ResendsLeft != maxResends {
				t.Errorf("start: delivery %q resends_left %d, want %q %d", d.Delivery, d.ResendsLeft, delivery, maxResends)
			}
			e.clock.Add(31 * time.Second)
			rs := e.post("/v1/resend", map[string]string{"challenge_token": st.ChallengeToken})
			want(t, "resend", rs, http.StatusOK, "")
			if d := rs.Display; d.Delivery != delivery || d.ResendsLeft != maxResends-1 {
				t.Errorf("resend: delivery %q resends_left %d, want %q %d", d.Delivery, d.ResendsLeft, delivery, maxResends-1)
			}
			// verify does not know the delivery; it keeps resends_left.
			v := e.verify(rs.ChallengeToken, wrongCode)
			if d := v.Display; d.Delivery != "" || d.ResendsLeft != maxResends-1 {
				t.Errorf("verify: delivery %q resends_left %d", d.Delivery, d.ResendsLeft)
			}
		})
	}
}
