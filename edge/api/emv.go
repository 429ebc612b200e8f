package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
)

// Session verifies a session token and returns its claims: the challenge
// page (edge/assets) builds its CSP from them, an EMV session's included.
func (h *Handler) Session(token string) (*challenge.SessionClaims, error) {
	return h.sessionClaims(token)
}

// Conclude returns the one result of authID, ending it first, when it has
// none, with N and reason (contract.ReasonCancelled or ReasonTimedOut)
// exactly as /v1/cancel does: the result token minted for origin, the
// ledger's result slot claimed and the report to the issuer queued in one
// transaction, delivered after the response (Reporter.After). It is the
// end of an EMV challenge (edge/emvpages): the final CRes says what the
// ledger holds, never what the browser says. Whoever ends it — this call,
// a verify racing it — the result returned is the authentication's one
// result, so the same call twice gives the same answer.
func (h *Handler) Conclude(ctx context.Context, authID, origin, reason string) (contract.Result, error) {
	if reason != contract.ReasonCancelled && reason != contract.ReasonTimedOut {
		return contract.Result{}, fmt.Errorf("api: conclude %s: reason %q is not an end without a result", authID, reason)
	}
	// Once started, the ledger's write and its report run to their end
	// even if the browser goes away.
	ctx = context.WithoutCancel(ctx)
	e, err := h.ledger.Lookup(ctx, authID)
	if err != nil {
		return contract.Result{}, err
	}
	if !e.Finished {
		s, err := h.finish(ctx, ending{authID: authID, origin: origin, gen: e.Gen, attempts: e.Attempts,
			status: contract.StatusNotAuthenticated, reason: reason})
		if err == nil {
			return s.Result, nil
		}
		if !errors.Is(err, errAlreadyUsed) {
			return contract.Result{}, err
		}
		// Another request gave it its result first: that one counts.
		if e, err = h.ledger.Lookup(ctx, authID); err != nil {
			return contract.Result{}, err
		}
	}
	if e.ResultToken == "" {
		return contract.Result{}, fmt.Errorf("api: conclude %s: finished without a kept result token", authID)
	}
	// The token is this edge's own, read back from its own database.
	var c challenge.ResultClaims
	if err := challenge.ReadClaims(e.ResultToken, &c); err != nil {
		return contract.Result{}, fmt.Errorf("api: conclude %s: stored result token: %w", authID, err)
	}
	return contract.Result{ResultToken: e.ResultToken, Status: c.Status, Reason: c.Reason}, nil
}
