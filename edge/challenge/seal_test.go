package challenge

import (
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	for _, k := range []KEM{KEMXWing, KEMX25519} {
		t.Run(string(k), func(t *testing.T) {
			key := mustSealKey(t, k)
			other := mustSealKey(t, k)
			want := Payload{PM: "本人さん", Codes: []Code{{Cred: "email", Code: "000123"}, {Cred: "app", Step: 29711, Code: "987654"}}, AV: "av", MaxAttempts: 5, Period: 600}
			s, err := key.Public().Seal("jti-1", want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := key.Open(s, "jti-1")
			if err != nil {
				t.Fatal(err)
			}
			if got.PM != want.PM || len(got.Codes) != 2 || got.Codes[1] != want.Codes[1] || got.AV != "av" {
				t.Fatalf("Open = %+v, want %+v", got, want)
			}

			flip := func(b []byte, i int) []byte {
				c := append([]byte(nil), b...)
				c[i%len(c)] ^= 1
				return c
			}
			tests := []struct {
				name string
				s    Sealed
				jti  string
				key  SealKey
			}{
				{"other jti (seal moved)", s, "jti-2", key},
				{"tampered ciphertext", Sealed{KID: s.KID, Enc: s.Enc, CT: flip(s.CT, 3)}, "jti-1", key},
				{"tampered tag", Sealed{KID: s.KID, Enc: s.Enc, CT: flip(s.CT, len(s.CT)-1)}, "jti-1", key},
				{"tampered enc", Sealed{KID: s.KID, Enc: flip(s.Enc, 0), CT: s.CT}, "jti-1", key},
				{"short enc", Sealed{KID: s.KID, Enc: s.Enc[:4], CT: s.CT}, "jti-1", key},
				{"unknown kid", Sealed{KID: "nope", Enc: s.Enc, CT: s.CT}, "jti-1", key},
				{"other key, same kid", s, "jti-1", SealKey{SealPublicKey: SealPublicKey{KID: s.KID, KEM: k, Key: other.Key}, Private: other.Private}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if _, err := tt.key.Open(tt.s, tt.jti); !errors.Is(err, ErrSeal) {
						t.Fatalf("Open = %v, want ErrSeal", err)
					}
				})
			}
		})
	}
}

func TestSealSizes(t *testing.T) {
	// X-Wing's encapsulation is 1120 bytes, X25519's 32: the reason X25519
	// stays selectable where token size matters.
	for _, tt := range []struct {
		k   KEM
		enc int
	}{{KEMXWing, 1120}, {KEMX25519, 32}} {
		s, err := mustSealKey(t, tt.k).Public().Seal("j", Payload{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Enc) != tt.enc {
			t.Errorf("%s: enc is %d bytes, want %d", tt.k, len(s.Enc), tt.enc)
		}
	}
}

func TestSealEmptyJTI(t *testing.T) {
	if _, err := mustSealKey(t, KEMX25519).Public().Seal("", Payload{}); err == nil {
		t.Fatal("Seal with empty jti succeeded")
	}
	if _, err := NewSealKey("P-256"); err == nil {
		t.Fatal("NewSealKey accepted an unknown KEM")
	}
}
