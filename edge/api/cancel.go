package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/contract"
)

// tokenRequest is the contract's body of resend and cancel, with the
// check of decode.
type tokenRequest contract.TokenRequest

func (q *tokenRequest) missing() string {
	if q.ChallengeToken == "" {
		return "challenge_token"
	}
	return ""
}

// cancel ends the authentication with N cardholder_cancelled. It needs no
// seal: only a holder of the newest challenge token may cancel.
func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c, err := h.challengeClaims(req.ChallengeToken)
	if err != nil {
		return err
	}
	e, err := h.current(r.Context(), c)
	if err != nil {
		return err
	}
	return h.end(w, r, ending{authID: c.Subject, origin: c.MerchantOrigin, gen: c.Gen, attempts: e.Attempts,
		status: contract.StatusNotAuthenticated, reason: contract.ReasonCancelled})
}
