package api

import (
	"context"
	"crypto/hmac"
	"fmt"
	"net/http"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/edge/report"
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
	// try is the counted try that ended it, if one did; passed, on a Y,
	// the credential whose code matched (with its sealed epoch), and proof
	// what lets the same proof fetch the result again.
	try    *ledger.Try
	passed challenge.CredRef
	proof  string
}

// eci is the Electronic Commerce Indicator for a status: 05 authenticated,
// 07 not.
func eci(status string) string {
	if status == contract.StatusAuthenticated {
		return "05"
	}
	return "07"
}

// statusReason is the EMV 3DS transStatusReason of a result: only an N has
// one, 19 (exceeds maximum challenges) when the wrong-code limit ended it,
// 01 (authentication failed) otherwise.
func statusReason(status, reason string) string {
	switch {
	case status != contract.StatusNotAuthenticated:
		return ""
	case reason == contract.ReasonMaxAttempts, reason == contract.ReasonCredentialLocked:
		return contract.StatusReasonMaxChallenges
	}
	return contract.StatusReasonAuthFailed
}

// finish gives the authentication its one result: it mints the result
// token and, in one ledger transaction, claims the authentication's single
// result slot (losing it means another request already ended it: 409) and
// queues the report for the issuer — before anyone sees the result, so
// nothing is lost if the edge dies right after answering. The report is
// delivered after the response.
func (h *Handler) finish(ctx context.Context, e ending) (contract.Screen, error) {
	now := h.now()
	claims := &challenge.ResultClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    challenge.EdgeName,
			Audience:  jwt.ClaimStrings{e.origin},
			Subject:   e.authID,
			ID:        challenge.NewID(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(limits.ResultLifetime)),
		},
		Status:       e.status,
		Reason:       e.reason,
		StatusReason: statusReason(e.status, e.reason),
		ECI:          eci(e.status),
	}
	if e.status == contract.StatusAuthenticated || e.status == contract.StatusAttempted {
		claims.AV = e.av
	}
	// Signed before the slot is claimed: a signing failure must not leave
	// the authentication finished without a token.
	token, err := challenge.Sign(h.keys.Sign, challenge.TypResult, claims)
	if err != nil {
		return contract.Screen{}, fmt.Errorf("api: result for %s: %w", e.authID, err)
	}
	gen := e.gen // not &e.gen: e would move to the heap
	q, err := report.Queue(contract.Outcome{JTI: claims.ID, Sub: e.authID, Status: e.status, Reason: e.reason, Gen: &gen,
		Attempts: e.attempts, Cred: e.cred, Step: e.step, Drift: e.drift, ResultToken: token})
	if err != nil {
		return contract.Screen{}, fmt.Errorf("api: result for %s: %w", e.authID, err)
	}
	proof := ""
	if e.status == contract.StatusAuthenticated {
		proof = e.proof
	}
	rep, first, err := h.ledger.End(ctx, ledger.Ending{Auth: e.authID, ResultJTI: claims.ID, ResultToken: token, Proof: proof,
		Try: e.try, Passed: e.passed, Report: q}, h.reports.LeaseEnd(now), now)
	if err != nil {
		return contract.Screen{}, fmt.Errorf("api: result for %s: %w", e.authID, err)
	}
	if !first {
		if e.try != nil {
			// Another request ended it first; this try was counted and
			// its report queued: the issuer gets it.
			h.reports.After(ctx, e.try.Report)
		}
		if proof != "" {
			// The same proof raced itself (a retry of a request still
			// in flight): it gets the result the first one got.
			if s, ok := h.stored(ctx, e.authID, proof); ok {
				return s, nil
			}
		}
		return contract.Screen{}, errAlreadyUsed
	}
	h.reports.After(ctx, rep)
	return resultScreen(token, claims), nil
}

func resultScreen(token string, c *challenge.ResultClaims) contract.Screen {
	origin := ""
	if len(c.Audience) > 0 {
		origin = c.Audience[0]
	}
	return contract.Screen{State: contract.StateResult, Result: contract.Result{ResultToken: token, Status: c.Status, Reason: c.Reason},
		MerchantOrigin: origin}
}

// end finishes the authentication and sends the result screen.
func (h *Handler) end(w http.ResponseWriter, r *http.Request, e ending) error {
	s, err := h.finish(context.WithoutCancel(r.Context()), e)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, s)
	return nil
}

// stored is the result screen of authID kept by the ledger, if proof is
// the one that earned it.
func (h *Handler) stored(ctx context.Context, authID, proof string) (contract.Screen, bool) {
	e, err := h.ledger.Lookup(ctx, authID)
	if err != nil || e.Proof == "" || e.ResultToken == "" || !hmac.Equal([]byte(e.Proof), []byte(proof)) {
		return contract.Screen{}, false
	}
	var c challenge.ResultClaims
	if err := challenge.ReadClaims(e.ResultToken, &c); err != nil {
		return contract.Screen{}, false
	}
	return resultScreen(e.ResultToken, &c), true
}

// writeStored sends the result screen of a result token the ledger kept:
// the authentication's one result, given again (a lost answer, a reload).
// The token is this edge's own, read back from its own database, so its
// claims are read, not verified.
func (h *Handler) writeStored(w http.ResponseWriter, token string) error {
	var c challenge.ResultClaims
	if err := challenge.ReadClaims(token, &c); err != nil {
		return fmt.Errorf("api: stored result token: %w", err)
	}
	jsonapi.Write(w, http.StatusOK, resultScreen(token, &c))
	return nil
}

var errAlreadyUsed = jsonapi.Errorf(http.StatusConflict, contract.CodeAlreadyUsed, "this authentication already has its result")
