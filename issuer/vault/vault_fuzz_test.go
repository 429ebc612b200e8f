package vault

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzSecrets are the only values the fuzz target seals, each under its
// own aad: whatever opens must be one of them, under its aad.
var fuzzSecrets = map[string][]byte{
	"cred:AAAA":     []byte("12345678901234567890"),
	"auth:abc/code": []byte("123456"),
}

// FuzzOpen opens stored values (real seals from the old and the new key,
// and their tampered or truncated bytes) with a vault of two keys.
// Properties: a refusal is ErrOpen; what opens is exactly a secret the
// test sealed, under the aad it was sealed with; and any value sealed
// under any aad opens with that aad to itself and not with another.
func FuzzOpen(f *testing.F) {
	oldKey, newKey := bytes.Repeat([]byte{1}, KeySize), bytes.Repeat([]byte{2}, KeySize)
	old, err := New(oldKey)
	if err != nil {
		f.Fatal(err)
	}
	v, err := New(newKey, oldKey)
	if err != nil {
		f.Fatal(err)
	}
	for aad, pt := range fuzzSecrets {
		f.Add(old.Seal(pt, []byte(aad)), []byte(aad))
		f.Add(v.Seal(pt, []byte(aad)), []byte(aad))
	}
	f.Add([]byte{1}, []byte(nil))
	f.Fuzz(func(t *testing.T, sealed, aad []byte) {
		pt, err := v.Open(sealed, aad)
		if err != nil {
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("refusal is not ErrOpen: %v", err)
			}
		} else if want, ok := fuzzSecrets[string(aad)]; !ok || !bytes.Equal(pt, want) {
			t.Fatalf("opened %q under aad %q: not a secret sealed with it", pt, aad)
		}

		s := v.Seal(sealed, aad)
		if got, err := v.Open(s, aad); err != nil || !bytes.Equal(got, sealed) {
			t.Fatalf("sealed %q, opened %q, %v", sealed, got, err)
		}
		if _, err := v.Open(s, append(bytes.Clone(aad), 0)); !errors.Is(err, ErrOpen) {
			t.Fatalf("opened under another aad: %v", err)
		}
		if _, err := old.Open(s, aad); !errors.Is(err, ErrOpen) {
			t.Fatalf("a vault without the sealing key opened it: %v", err)
		}
	})
}
