package api

import (
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
)

// challengeScreen shows challenge c (the token as sent) with its opened
// payload p, given the authentication's wrong attempts so far.
func (h *Handler) challengeScreen(token string, c *challenge.ChallengeClaims, p challenge.Payload, attempts int, delivery string) contract.Screen {
	sent := h.now()
	if c.IssuedAt != nil {
		sent = c.IssuedAt.Time
	}
	var expires time.Time
	if c.ExpiresAt != nil { // always set: the verifier requires exp
		expires = c.ExpiresAt.Time
	}
	return contract.Screen{
		State:          contract.StateChallenge,
		ChallengeToken: token,
		Display: &contract.Display{
			Merchant:     c.Txn.Merchant,
			Amount:       c.Txn.Amount,
			Currency:     c.Txn.Currency,
			Date:         wireTime(c.Txn.Date),
			Last4:        c.Txn.Last4,
			Message:      p.PM,
			Method:       c.Method,
			Dest:         c.Dest,
			ExpiresAt:    wireTime(expires),
			AttemptsLeft: max(maxAttempts(p)-attempts, 0),
			ResendAfter:  wireTime(resendAfter(sent)),
			ResendsLeft:  c.ResendsLeft,
			Delivery:     delivery,
		},
		MerchantOrigin: c.MerchantOrigin,
	}
}

// wireTime is t as the screen writes it, contract.Display's format: in
// UTC, whole seconds (the issuer's transaction date has a fraction, which
// the client has no use for).
func wireTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// resendAfter is when the screen offers Resend for a code sent at sent. The
// token's iat is whole seconds, rounded down from the issuer's send time, and
// the issuer counts its cooldown from that exact time: offering Resend at
// iat+30 s would let a click arrive up to a second early and be refused. The
// extra second keeps the button from lighting up before the issuer agrees.
func resendAfter(sent time.Time) time.Time {
	return sent.Truncate(time.Second).Add(limits.ResendCooldown + time.Second)
}
