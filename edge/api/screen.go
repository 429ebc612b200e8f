package api

import (
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/limits"
)

// Screen states.
const (
	stateChallenge = "challenge"
	stateResult    = "result"
)

// screen is every successful response: what the client shows next.
type screen struct {
	State string `json:"state"`
	// ChallengeToken is passed back on verify, resend and cancel.
	ChallengeToken string   `json:"challenge_token,omitempty"`
	Display        *display `json:"display,omitempty"`
	// Error says why the challenge is shown again: "wrong_code", or
	// "code_used" (an app or token code already used: wait for the next).
	Error       string `json:"error,omitempty"`
	ResultToken string `json:"result_token,omitempty"`
	Status      string `json:"status,omitempty"`
	Reason      string `json:"reason,omitempty"`
	// MerchantOrigin is the only origin the client may postMessage to.
	MerchantOrigin string `json:"merchant_origin"`
}

// display is what the challenge screen shows. Times are RFC 3339 in UTC;
// the client renders them in JST (or GMT).
type display struct {
	Merchant     string `json:"merchant"`
	Amount       int64  `json:"amount"`
	Currency     string `json:"currency"`
	Date         string `json:"date"`
	Last4        string `json:"last4"`
	Message      string `json:"message"`
	Method       string `json:"method"`
	Dest         string `json:"dest"`
	ExpiresAt    string `json:"expires_at"`
	AttemptsLeft int    `json:"attempts_left"`
	ResendAfter  string `json:"resend_after"`
	// ResendsLeft is how many more resends the issuer allows (from the
	// token); 0 for app, token and password, which have nothing to resend.
	ResendsLeft int `json:"resends_left"`
	// Delivery is the issuer's "sent", "failed", "limited" or "none" after
	// start and resend; verify does not know it and leaves it out.
	Delivery string `json:"delivery,omitempty"`
}

// challengeScreen shows challenge c (the token as sent) with its opened
// payload p, given the authentication's wrong attempts so far.
func (h *Handler) challengeScreen(token string, c *challenge.ChallengeClaims, p challenge.Payload, attempts int, delivery string) screen {
	sent := h.now()
	if c.IssuedAt != nil {
		sent = c.IssuedAt.Time
	}
	var expires string
	if c.ExpiresAt != nil { // always set: the verifier requires exp
		expires = rfc3339(c.ExpiresAt.Time)
	}
	return screen{
		State:          stateChallenge,
		ChallengeToken: token,
		Display: &display{
			Merchant:     c.Txn.Merchant,
			Amount:       c.Txn.Amount,
			Currency:     c.Txn.Currency,
			Date:         rfc3339(c.Txn.Date),
			Last4:        c.Txn.Last4,
			Message:      p.PM,
			Method:       c.Method,
			Dest:         c.Dest,
			ExpiresAt:    expires,
			AttemptsLeft: max(maxAttempts(p)-attempts, 0),
			ResendAfter:  rfc3339(resendAfter(sent)),
			ResendsLeft:  c.ResendsLeft,
			Delivery:     delivery,
		},
		MerchantOrigin: c.MerchantOrigin,
	}
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// resendAfter is when the screen offers Resend for a code sent at sent. The
// token's iat is whole seconds, rounded down from the issuer's send time, and
// the issuer counts its cooldown from that exact time: offering Resend at
// iat+30 s would let a click arrive up to a second early and be refused. The
// extra second keeps the button from lighting up before the issuer agrees.
func resendAfter(sent time.Time) time.Time {
	return sent.Truncate(time.Second).Add(limits.ResendCooldown + time.Second)
}
