package api

import (
	"net/http"
	"strings"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer"
)

// maxKeyLen bounds the key before hashing; real keys are 55 bytes.
const maxKeyLen = 256

// bearer returns the credential of an "Authorization: Bearer x" header.
func bearer(r *http.Request) (string, bool) {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	return cred, cred != ""
}

// merchant authenticates the request's API key.
func (s *Server) merchant(r *http.Request) (issuer.Merchant, error) {
	key, ok := bearer(r)
	if !ok || len(key) > maxKeyLen {
		return issuer.Merchant{}, jsonapi.Errorf(http.StatusUnauthorized, "invalid_api_key", "missing or malformed Authorization: Bearer <api key>")
	}
	return s.acs.Merchant(r.Context(), key)
}
