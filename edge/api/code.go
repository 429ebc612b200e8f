package api

import (
	"context"
	"crypto/hmac"
	"slices"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
)

// match compares code with every sealed code of the credentials counted
// (the ones the try may be compared for) usable at now, and returns those it
// equals, in payload order (usually one; two credentials, or two steps of
// one, may share a code by chance). Every such code is compared, with
// hmac.Equal, so the time taken says nothing about which code or how many
// digits were right.
func match(p challenge.Payload, counted []string, code string, now time.Time) []challenge.Code {
	var found []challenge.Code
	for _, c := range p.Codes {
		if !usable(c, p, now) || !slices.Contains(counted, c.Cred) {
			continue
		}
		if hmac.Equal([]byte(c.Code), []byte(code)) {
			found = append(found, c)
		}
	}
	return found
}

// usable reports whether a sealed code may be accepted at now.
//
// Step 0 marks an email or SMS code: it is valid for as long as the
// challenge token is, which the token's exp already enforces.
//
// A non-zero step is an RFC 6238 TOTP step (app or hardware token): it is
// usable within payload.Skew steps of now (RFC 6238 §5.2: one step of
// network delay either side). That it was not used before is the ledger's
// to say (Ledger.UseStep), once it matches.
func usable(c challenge.Code, p challenge.Payload, now time.Time) bool {
	if c.Step == 0 {
		return true
	}
	if p.Period <= 0 {
		return false
	}
	d := c.Step - step(now, p.Period)
	return d >= -int64(p.Skew) && d <= int64(p.Skew)
}

// step is the RFC 6238 time step of t: floor(unix seconds / period).
func step(t time.Time, period int) int64 {
	s, per := t.Unix(), int64(period)
	q := s / per
	if s%per < 0 {
		q-- // floor, not truncation, before 1970
	}
	return q
}

// verdict is what a code or password turned out to be.
type verdict struct {
	ok bool
	// reason, when not ok: contract.ReasonWrongCode or ReasonCodeUsed.
	reason string
	// code is the sealed code that matched (zero for a password).
	code challenge.Code
	// drift is code.Step minus the current step, for TOTP codes.
	drift int
}

// checkCode compares code with p's sealed codes at now. A TOTP code that
// matches is accepted only if the ledger lets its step be used: a code is
// never accepted twice, nor one older than a code already accepted for the
// same credential, across every authentication (RFC 6238 §5.2). Such a code
// is refused as "code_used", and counts as a wrong attempt like any other:
// someone replaying an observed code is guessing.
func (h *Handler) checkCode(ctx context.Context, p challenge.Payload, counted []string, code string) (verdict, error) {
	now := h.now()
	found := match(p, counted, code, now)
	if len(found) == 0 {
		return verdict{reason: contract.ReasonWrongCode}, nil
	}
	for _, c := range found {
		if c.Step == 0 {
			return verdict{ok: true, code: c}, nil
		}
		ok, err := h.ledger.UseStep(ctx, c.Cred, c.Step)
		if err != nil {
			return verdict{}, err
		}
		if ok {
			return verdict{ok: true, code: c, drift: int(c.Step - step(now, p.Period))}, nil
		}
	}
	return verdict{reason: contract.ReasonCodeUsed}, nil
}

// maxAttempts is the wrong-code limit the issuer sealed, or the card
// issuers' rule; never more than that rule.
func maxAttempts(p challenge.Payload) int {
	if p.MaxAttempts > 0 {
		return min(p.MaxAttempts, limits.AttemptsPerAuthentication)
	}
	return limits.AttemptsPerAuthentication
}
