package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/report"
)

type verifyRequest struct {
	ChallengeToken string `json:"challenge_token"`
	// Code is the 6-digit code, or for method password the password. It is
	// never logged.
	Code string `json:"code"`
}

func (q *verifyRequest) missing() string {
	switch {
	case q.ChallengeToken == "":
		return "challenge_token"
	case q.Code == "":
		return "code"
	}
	return ""
}

// verify checks a code against the challenge's sealed codes, or relays a
// password to the issuer. A right one ends the authentication with Y; a
// wrong one counts against the authentication's limit and, at the limit,
// ends it with N max_attempts. A wrong one short of the limit is reported
// to the issuer as progress (status C), so the issuer counts the
// credential's consecutive failures even if the cardholder walks away.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) error {
	var req verifyRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c, err := h.challengeClaims(req.ChallengeToken)
	if err != nil {
		return err
	}
	password := c.Method == challenge.MethodPassword
	// Refused before the ledger: a typo in the format is not a guess.
	if password && !validPassword(req.Code) {
		return jsonapi.Errorf(http.StatusBadRequest, "invalid_code_format", "the password is 1 to %d characters", maxPasswordLen)
	}
	if !password && !validCode(req.Code) {
		return jsonapi.Errorf(http.StatusBadRequest, "invalid_code_format", "the code is 6 digits")
	}
	ctx := r.Context()
	p, err := h.open(c)
	if err != nil {
		return err
	}
	limit := maxAttempts(p)
	// The try is counted before the code is judged, in one atomic step that
	// also checks the authentication is not finished or superseded:
	// judged first, parallel requests would each pass the limit check and
	// turn 5 guesses into as many as the attacker can send at once. A right
	// code then ends the authentication and was not a wrong attempt.
	used, counted, err := h.ledger.Attempt(ctx, c.Subject, c.Gen, limit)
	switch {
	case errors.Is(err, ledger.ErrFinished):
		return errAlreadyUsed
	case errors.Is(err, ledger.ErrSuperseded):
		return errSuperseded
	case err != nil:
		return err
	}
	failed := ending{authID: c.Subject, origin: c.MerchantOrigin, gen: c.Gen, attempts: max(used, limit),
		status: challenge.StatusNotAuthenticated, reason: reasonMaxAttempts}
	if !counted {
		// The limit was reached before this try (or the edge died between
		// the last try and its result): that result, whatever the code.
		return h.end(w, r, failed)
	}
	var v verdict
	if password {
		ok, err := h.issuer.CheckPassword(ctx, c.Subject, c.Gen, req.Code)
		if err != nil {
			return h.issuerFailed(w, r, c.Subject, err)
		}
		v = verdict{ok: ok, reason: report.ReasonWrongCode}
	} else if v, err = h.checkCode(ctx, p, req.Code); err != nil {
		return err
	}
	if v.ok {
		return h.end(w, r, ending{authID: c.Subject, origin: c.MerchantOrigin, gen: c.Gen, attempts: used - 1,
			status: challenge.StatusAuthenticated, av: p.AV, cred: v.code.Cred, step: v.code.Step, drift: v.drift})
	}
	if used >= limit {
		return h.end(w, r, failed)
	}
	if err := h.progress(ctx, c, v.reason, used); err != nil {
		return err
	}
	s := h.challengeScreen(req.ChallengeToken, c, p, used, "")
	s.Error = v.reason
	jsonapi.Write(w, http.StatusOK, s)
	return nil
}

// progress queues a progress report (status C) for a wrong code that did
// not end the authentication, before the cardholder sees the screen, like
// a result. It has its own jti: the issuer dedupes each report on it.
func (h *Handler) progress(ctx context.Context, c *challenge.ChallengeClaims, reason string, attempts int) error {
	o := report.Outcome{JTI: challenge.NewID(), Sub: c.Subject, Status: challenge.StatusChallenge,
		Reason: reason, Gen: c.Gen, Attempts: attempts}
	if err := h.reports.Enqueue(ctx, o); err != nil {
		// The attempt is counted here but the issuer would not count it
		// against the credential: fail the request rather than hide that.
		h.log.ErrorContext(ctx, "api: progress report not queued", "outcome", o, "err", err)
		return fmt.Errorf("api: progress of %s: %w", c.Subject, err)
	}
	return nil
}
