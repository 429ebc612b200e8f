package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/limits"
)

// credentialsRequest is the contract's body, with the check of decode.
type credentialsRequest contract.CredentialsRequest

func (q *credentialsRequest) missing() string {
	if q.Token == "" {
		return "token"
	}
	return ""
}

// credentials is POST contract.CredentialsPath, the issuer's word on
// credentials after a lock, an unlock or a revocation: from the new epoch
// on, no challenge sealed before it is compared for the credential, and its
// count of wrong codes starts where the issuer says. This is how a lock or
// a lost phone stops every challenge already handed out, within the second
// the issuer's push takes.
func (h *Handler) credentials(w http.ResponseWriter, r *http.Request) error {
	var req credentialsRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	v := h.issuerTokens()
	v.MaxLifetime = limits.CallTokenLifetime
	var c challenge.CredentialsClaims
	if err := v.Verify(req.Token, challenge.TypCredentials, &c); err != nil {
		h.log.WarnContext(r.Context(), "api: credentials token refused", "err", err)
		return tokenError(err)
	}
	n, err := h.ledger.SetCredentials(r.Context(), c.Creds)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, contract.CredentialsResponse{Applied: n})
	return nil
}
