package risk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Pseudonymizer turns identifiers (device ids, card hashes, IPs) into keyed
// HMACs: stable, so history and the provider can link them, but useless
// without the key to anyone who reads the database or the provider's logs.
type Pseudonymizer struct {
	key []byte
}

// NewPseudonymizer returns a Pseudonymizer under key (32 random bytes;
// derive it from a key kept outside the database).
func NewPseudonymizer(key []byte) *Pseudonymizer {
	return &Pseudonymizer{key: append([]byte(nil), key...)}
}

// Sum returns the HMAC-SHA256 of v under the key, within a domain so a
// device id and an IP of the same bytes do not collide.
func (p *Pseudonymizer) Sum(domain string, v []byte) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write(v)
	return m.Sum(nil)
}

// Text is Sum in unpadded base64url, for JSON.
func (p *Pseudonymizer) Text(domain string, v []byte) string {
	return base64.RawURLEncoding.EncodeToString(p.Sum(domain, v))
}
