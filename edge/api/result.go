package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/report"
)

// Result reasons (the contract's words).
const (
	reasonCancelled   = "cardholder_cancelled"
	reasonMaxAttempts = "max_attempts"
)

// ending is how an authentication ends.
type ending struct {
	authID, origin string
	// gen is the generation of the token that ended it (0: none, a
	// decision at start).
	gen      int
	attempts int
	status   string
	reason   string
	// av is the authentication value; it goes into the token only on Y
	// and A.
	av string
	// cred, step and drift say which sealed code ended it with Y (for the
	// issuer's report: which credential, and its TOTP step and drift).
	cred  string
	step  int64
	drift int
}

// eci is the Electronic Commerce Indicator for a status: 05 authenticated,
// 07 not.
func eci(status string) string {
	if status == challenge.StatusAuthenticated {
		return "05"
	}
	return "07"
}

// statusReason is the EMV 3DS transStatusReason of a result: only an N has
// one, 19 (exceeds maximum challenges) when the wrong-code limit ended it,
// 01 (authentication failed) otherwise.
func statusReason(status, reason string) string {
	switch {
	case status != challenge.StatusNotAuthenticated:
		return ""
	case reason == reasonMaxAttempts:
		return challenge.StatusReasonMaxChallenges
	}
	return challenge.StatusReasonAuthFailed
}

// finish gives the authentication its one result: it mints the result
// token, claims the ledger's single result slot (losing it means another
// request already ended this authentication: 409), and queues the report
// for the issuer before anyone sees the result, so nothing is lost if the
// edge dies right after answering.
func (h *Handler) finish(ctx context.Context, e ending) (screen, error) {
	now := h.now()
	claims := &challenge.ResultClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    challenge.EdgeName,
			Audience:  jwt.ClaimStrings{e.origin},
			Subject:   e.authID,
			ID:        challenge.NewID(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(resultLifetime)),
		},
		Status:       e.status,
		Reason:       e.reason,
		StatusReason: statusReason(e.status, e.reason),
		ECI:          eci(e.status),
	}
	if e.status == challenge.StatusAuthenticated || e.status == challenge.StatusAttempted {
		claims.AV = e.av
	}
	// Sign before claiming the slot: a signing failure must not leave the
	// authentication finished without a token.
	token, err := challenge.Sign(h.keys.Sign, challenge.TypResult, claims)
	if err != nil {
		return screen{}, fmt.Errorf("api: result for %s: %w", e.authID, err)
	}
	first, err := h.ledger.Finish(ctx, e.authID, claims.ID)
	if err != nil {
		return screen{}, fmt.Errorf("api: result for %s: %w", e.authID, err)
	}
	if !first {
		return screen{}, errAlreadyUsed
	}
	o := report.Outcome{JTI: claims.ID, Sub: e.authID, Status: e.status, Reason: e.reason, Gen: e.gen, Attempts: e.attempts,
		Cred: e.cred, Step: e.step, Drift: e.drift}
	if err := h.reports.Enqueue(ctx, o); err != nil {
		// The ledger says finished but the issuer would never learn the
		// result: refuse to hand out a result the issuer cannot know, and
		// leave the outcome in the log for an operator.
		h.log.ErrorContext(ctx, "api: outcome not queued; result withheld", "outcome", o, "err", err)
		return screen{}, fmt.Errorf("api: result for %s: %w", e.authID, err)
	}
	return screen{
		State:          stateResult,
		ResultToken:    token,
		Status:         e.status,
		Reason:         e.reason,
		MerchantOrigin: e.origin,
	}, nil
}

// end finishes the authentication and sends the result screen.
func (h *Handler) end(w http.ResponseWriter, r *http.Request, e ending) error {
	s, err := h.finish(r.Context(), e)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, s)
	return nil
}

var errAlreadyUsed = jsonapi.Errorf(http.StatusConflict, "already_used", "this authentication already has its result")
