package acs

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// newAV returns an authentication value (20 random bytes, base64 like an
// EMV CAVV) and the SHA-256 the issuer keeps: the value itself travels only
// sealed to the edge and in the result token, and the issuer can still
// recognise it when a merchant presents it for authorisation.
func newAV() (av string, hash []byte) {
	var b [20]byte
	rand.Read(b[:])
	av = base64.StdEncoding.EncodeToString(b[:])
	h := sha256.Sum256([]byte(av))
	return av, h[:]
}
