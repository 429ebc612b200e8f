package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/authvalue"
)

// AVVerifyPath is where the issuer's authorisation host checks an
// authentication value an authorisation presents.
const AVVerifyPath = "/internal/v1/av/verify"

// avVerifyRequest is the authorisation host's question: the card number,
// the amount in minor units and the ISO 4217 alphabetic currency of the
// authorisation, and the value it carries.
type avVerifyRequest struct {
	PAN      string `json:"pan"`
	Amount   *int64 `json:"amount"`
	Currency string `json:"currency"`
	AV       string `json:"av"`
}

// avVerifyResponse is the answer: valid with what the value says (result,
// EMV authenticationMethod code, when, which key), or not valid and why
// (authvalue.Reason: malformed, unknown_key, mismatch, too_old, future).
type avVerifyResponse struct {
	Valid  bool   `json:"valid"`
	Status string `json:"status,omitempty"`
	Method string `json:"method,omitempty"`
	At     string `json:"at,omitempty"`
	KeyID  int    `json:"key_id,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// errAVDisabled answers the check when no token is configured: as if the
// endpoint did not exist.
var errAVDisabled = jsonapi.Errorf(http.StatusNotFound, "not_found", "no such endpoint")

// verifyAV is POST /internal/v1/av/verify (acs.Service.VerifyAV), for the
// issuer's authorisation host only: its bearer token (Config.AVVerifyToken)
// is compared by SHA-256 in constant time. A value that does not verify is
// a 200 with valid false (the question was fine, the value is not); a
// question that cannot be a purchase is a 400.
func (s *Server) verifyAV(w http.ResponseWriter, r *http.Request) error {
	if s.avTokenHash == nil {
		return errAVDisabled
	}
	tok, ok := bearer(r)
	h := sha256.Sum256([]byte(tok))
	if !ok || subtle.ConstantTimeCompare(h[:], s.avTokenHash) != 1 {
		return jsonapi.Errorf(http.StatusUnauthorized, "invalid_token", "missing or wrong Authorization: Bearer <authorisation host token>")
	}
	var req avVerifyRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Amount == nil {
		return jsonapi.BadRequest("amount is required")
	}
	c, err := s.acs.VerifyAV(r.Context(), acs.AVQuery{PAN: req.PAN, Amount: *req.Amount, Currency: req.Currency, AV: req.AV})
	if reason := authvalue.Reason(err); reason != "" {
		jsonapi.Write(w, http.StatusOK, avVerifyResponse{Reason: reason})
		return nil
	}
	var ref *acs.Refusal
	if errors.As(err, &ref) && ref.Kind == acs.Invalid {
		return jsonapi.BadRequest("%s", ref.Message)
	}
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, avVerifyResponse{Valid: true, Status: c.Status, Method: c.Method,
		At: c.At.UTC().Format(time.RFC3339), KeyID: c.KeyID})
	return nil
}
