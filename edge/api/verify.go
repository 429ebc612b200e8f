package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
)

type verifyRequest struct {
	ChallengeToken string `json:"challenge_token"`
	Code           string `json:"code"`
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

// verify checks a code against the challenge's sealed codes. A right code
// ends the authentication with Y; a wrong one counts against the
// authentication's limit and, at the limit, ends it with N max_attempts.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) error {
	var req verifyRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c, err := h.challengeClaims(req.ChallengeToken)
	if err != nil {
		return err
	}
	if !validCode(req.Code) {
		// Refused before the ledger: a typo in the format is not a guess.
		return jsonapi.Errorf(http.StatusBadRequest, "invalid_code_format", "the code is 6 digits")
	}
	ctx := r.Context()
	e, err := h.current(ctx, c)
	if err != nil {
		return err
	}
	p, err := h.open(c)
	if err != nil {
		return err
	}
	limit := maxAttempts(p)
	failed := ending{authID: c.Subject, origin: c.MerchantOrigin, gen: c.Gen, attempts: e.Attempts,
		status: challenge.StatusNotAuthenticated, reason: reasonMaxAttempts}
	if e.Attempts >= limit {
		// The limit was reached but no result recorded (the edge died in
		// between): give that result now, whatever the code.
		return h.end(w, r, failed)
	}
	if _, ok := match(p, req.Code, h.now()); ok {
		return h.end(w, r, ending{authID: c.Subject, origin: c.MerchantOrigin, gen: c.Gen, attempts: e.Attempts,
			status: challenge.StatusAuthenticated, av: p.AV})
	}
	used, counted, err := h.ledger.Attempt(ctx, c.Subject, limit)
	if err != nil {
		return err
	}
	if !counted || used >= limit {
		failed.attempts = max(used, limit)
		return h.end(w, r, failed)
	}
	s := h.challengeScreen(req.ChallengeToken, c, p, used, "")
	s.Error = "wrong_code"
	jsonapi.Write(w, http.StatusOK, s)
	return nil
}
