//go:build !(js && wasm)

package onetime

import "crypto/rand"

// Generate returns a uniformly random code of digits ASCII digits, leading
// zeros kept ("004711"), from crypto/rand: each digit is a random byte
// below 250 taken modulo 10 (a byte of 250 or more is drawn again, one in
// 43 is), so every digit, and every code, is equally likely. It panics if
// digits < 1.
func Generate(digits int) string {
	if digits < 1 {
		panic("onetime: Generate of fewer than 1 digit")
	}
	out := make([]byte, 0, digits)
	var buf [16]byte
	for len(out) < digits {
		rand.Read(buf[:]) // never fails (crypto/rand since Go 1.24)
		for _, b := range buf {
			if b < 250 && len(out) < digits {
				out = append(out, '0'+b%10)
			}
		}
	}
	return string(out)
}

// Generate returns a new code of the policy's length.
func (p Policy) Generate() string { return Generate(p.Digits) }
