package acs

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// newCode returns a uniformly random 6-digit code. A uint32 taken modulo
// 10^6 would favour the low codes slightly (2^32 is not a multiple of
// 10^6), so draws at or above the largest multiple are thrown away: the
// chance of a redraw is 0.02%.
func newCode() string {
	const n = 1_000_000
	const limit = (1 << 32) / n * n
	var b [4]byte
	for {
		rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
		if v := binary.BigEndian.Uint32(b[:]); v < limit {
			return fmt.Sprintf("%06d", v%n)
		}
	}
}

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
