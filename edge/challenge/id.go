package challenge

import "crypto/rand"

// NewID returns a random identifier of 130 bits (26 base32 characters) for
// jti and authentication ids, which must not be guessable.
func NewID() string { return rand.Text() }
