package passhash

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// FuzzParse reads PHC strings as they come out of the store (a corrupt or
// hostile row included). It parses only: Verify would hash with what the
// string asks for. Properties: a refusal is ErrMalformed; an accepted
// string is within the bounds that keep Verify's memory and time in check
// (p 1..16, m 8p..1 GiB, t 1..64, salt 8+ bytes, hash 16..64 bytes) and is
// canonical: written back from its parameters it is the same string, so
// one hash has one spelling (but for CR and LF, which base64 skips).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=065536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2i$v=19$m=65536,t=3,p=1$c29tZXNhbHQ$aGFzaA",
		"$argon2id$v=16$m=65536,t=3,p=1$c29tZXNhbHQ$aGFzaA",
		"$argon2id$v=19$m=4294967295,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$t=3,m=65536,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parse(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("refusal is not ErrMalformed: %v", err)
			}
			if !NeedsRehash(s) {
				t.Fatalf("malformed %q does not need a rehash", s)
			}
			return
		}
		if p.p < 1 || p.p > maxLanes || p.m < 8*uint32(p.p) || p.m > maxMemoryKiB || p.t < 1 || p.t > maxPasses ||
			len(p.salt) < minSaltLen || len(p.hash) < minKeyLen || len(p.hash) > maxKeyLen {
			t.Fatalf("%q accepted with parameters out of bounds: %+v", s, p)
		}
		back := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.m, p.t, p.p,
			b64.EncodeToString(p.salt), b64.EncodeToString(p.hash))
		// Go's base64 decoders skip CR and LF anywhere, Strict() too: a
		// hash read from a file with its line break still parses.
		if back != strings.NewReplacer("\r", "", "\n", "").Replace(s) {
			t.Fatalf("%q accepted, but its canonical form is %q", s, back)
		}
	})
}
