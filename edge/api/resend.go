package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/jsonapi"
)

// resend asks the issuer for a new code. The new token (gen+1) is recorded
// as the newest, so every older token is refused from then on; the
// attempts are per authentication and carry over.
func (h *Handler) resend(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c, err := h.challengeClaims(req.ChallengeToken)
	if err != nil {
		return err
	}
	ctx := r.Context()
	e, err := h.current(ctx, c)
	if err != nil {
		return err
	}
	out, err := h.issuer.Resend(ctx, c.Subject, c.Gen)
	if err != nil {
		return h.issuerFailed(w, r, c.Subject, err)
	}
	n, p, err := h.issued(out.ChallengeToken, c.Subject, c.MerchantOrigin, c.Gen)
	if err != nil {
		return err
	}
	if answered, err := h.see(w, r, n, p); answered || err != nil {
		return err // errSuperseded: a concurrent resend got further
	}
	jsonapi.Write(w, http.StatusOK, h.challengeScreen(out.ChallengeToken, n, p, e.Attempts, out.Delivery))
	return nil
}
