package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/store"
)

// NewAPIKey returns a fresh merchant API key: 256 random bits, base32, with
// a prefix so a leaked key is recognisable in a secret scanner.
func NewAPIKey() string { return "hk_" + rand.Text() + rand.Text() }

// HashAPIKey is how an API key is stored and looked up. SHA-256 without salt
// or stretching is right for a key of 256 random bits: nobody can guess
// such a key, so slowing down guesses buys nothing, and an unsalted hash
// can be looked up by index.
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

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
func (s *Server) merchant(r *http.Request) (store.Merchant, error) {
	key, ok := bearer(r)
	if !ok || len(key) > maxKeyLen {
		return store.Merchant{}, jsonapi.Errorf(http.StatusUnauthorized, "invalid_api_key", "missing or malformed Authorization: Bearer <api key>")
	}
	h := HashAPIKey(key)
	m, err := s.store.MerchantByKeyHash(r.Context(), h)
	if errors.Is(err, store.ErrNotFound) {
		return store.Merchant{}, jsonapi.Errorf(http.StatusUnauthorized, "invalid_api_key", "unknown API key")
	}
	if err != nil {
		return store.Merchant{}, err
	}
	// The index lookup already matched; this compare is a guard against a
	// store that matched loosely (a collation, a prefix), in constant time.
	if subtle.ConstantTimeCompare(m.APIKeyHash, h) != 1 {
		return store.Merchant{}, jsonapi.Errorf(http.StatusUnauthorized, "invalid_api_key", "unknown API key")
	}
	return m, nil
}
