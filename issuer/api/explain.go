package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/honnin/honnin/edge/jsonapi"
)

// ExplanationPath is where operators' tools read why the risk engine
// decided an authentication as it did (acs.Explanation, the JSON of
// issuer authentication show -json).
const ExplanationPath = "/internal/v1/authentications/{id}/explanation"

// tokenHash is the SHA-256 a bearer token is compared by; nil for "" (the
// endpoint it guards is off).
func tokenHash(tok string) []byte {
	if tok == "" {
		return nil
	}
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// explanation is GET /internal/v1/authentications/{id}/explanation, for
// operators only: their bearer token (Config.OperatorToken), compared by
// SHA-256 in constant time. Neither the edge's tokens nor the
// authorisation host's open it: the explanation names the rules and their
// points, which a fraudster tuning an attack would like to read, and the
// client's address. With no token configured the endpoint does not exist.
func (s *Server) explanation(w http.ResponseWriter, r *http.Request) error {
	if s.operatorTokenHash == nil {
		return jsonapi.Errorf(http.StatusNotFound, "not_found", "no such endpoint")
	}
	tok, ok := bearer(r)
	h := sha256.Sum256([]byte(tok))
	if !ok || subtle.ConstantTimeCompare(h[:], s.operatorTokenHash) != 1 {
		return jsonapi.Errorf(http.StatusUnauthorized, "invalid_token", "missing or wrong Authorization: Bearer <operator token>")
	}
	e, err := s.acs.Explain(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	jsonapi.Write(w, http.StatusOK, e)
	return nil
}
