package acs

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

// TestAV: an authentication value is 20 random bytes in base64 (like an
// EMV CAVV), and the issuer keeps its SHA-256, never the value. (The
// codes are edge/onetime's: see its TestGenerateUniform.)
func TestAV(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		av, hash := newAV()
		raw, err := base64.StdEncoding.DecodeString(av)
		if err != nil || len(raw) != 20 {
			t.Fatalf("AV %q: %d bytes, %v", av, len(raw), err)
		}
		if want := sha256.Sum256([]byte(av)); string(hash) != string(want[:]) {
			t.Fatalf("AV %q: kept hash is not its SHA-256", av)
		}
		if seen[av] {
			t.Fatalf("AV %q drawn twice", av)
		}
		seen[av] = true
	}
}
