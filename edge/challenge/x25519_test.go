package challenge

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"testing"
)

// lowOrder are X25519 public values whose shared secret is all zeros
// (RFC 7748 §6.1): both paths must refuse them.
var lowOrder = [][]byte{
	make([]byte, 32),
	append([]byte{1}, make([]byte, 31)...),
	{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
}

// The same answers from both X25519 paths: x25519Key is Go's crypto/ecdh
// natively and WebCrypto on js/wasm (make test runs this suite both ways).
func TestX25519BothPaths(t *testing.T) {
	for i := range 8 {
		scalar := make([]byte, 32)
		rand.Read(scalar)
		if i == 0 {
			scalar = bytes.Repeat([]byte{0xff}, 32) // clamping matters
		}
		gold, err := ecdh.X25519().NewPrivateKey(scalar)
		if err != nil {
			t.Fatal(err)
		}
		k, err := x25519Key(scalar)
		if err != nil {
			t.Fatal(err)
		}
		if !k.PublicKey().Equal(gold.PublicKey()) || k.Curve() != ecdh.X25519() {
			t.Fatalf("public key differs from Go's")
		}
		peer, _ := ecdh.X25519().GenerateKey(rand.Reader)
		got, err := k.ECDH(peer.PublicKey())
		want, werr := gold.ECDH(peer.PublicKey())
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			t.Errorf("ECDH = %x (%v), Go's = %x (%v)", got, err, want, werr)
		}
		for _, lo := range lowOrder {
			p, err := ecdh.X25519().NewPublicKey(lo)
			if err != nil {
				t.Fatal(err)
			}
			_, gerr := gold.ECDH(p)
			if got, err := k.ECDH(p); err == nil || gerr == nil {
				t.Errorf("low-order point %x: ECDH = %x (%v), Go's error %v; want both to fail", lo, got, err, gerr)
			}
		}
	}
	p256, _ := ecdh.P256().GenerateKey(rand.Reader)
	k, _ := x25519Key(make([]byte, 32))
	if _, err := k.ECDH(p256.PublicKey()); err == nil {
		t.Error("ECDH with a P-256 key succeeded")
	}
}

// TestSealKeyMatchesStandard: a seal key built by sealPrivate (the X25519
// half from x25519Key) is the key the standard library's KEM builds from the
// same bytes: same public key, and each opens what was sealed to the other.
func TestSealKeyMatchesStandard(t *testing.T) {
	for _, k := range []KEM{KEMXWing, KEMX25519} {
		t.Run(string(k), func(t *testing.T) {
			ours := mustSealKey(t, k)
			hk, err := k.hpkeKEM()
			if err != nil {
				t.Fatal(err)
			}
			std, err := hk.NewPrivateKey(ours.raw)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(std.PublicKey().Bytes(), ours.Key.Bytes()) {
				t.Fatal("public key differs from the standard library's")
			}
			stdKey := ours
			stdKey.Private = std
			p := Payload{PM: "pm", Codes: []Code{{Cred: "email", Code: "123456"}}, MaxAttempts: 5}
			for _, c := range []struct {
				name     string
				from, to SealKey
			}{{"ours to standard", ours, stdKey}, {"standard to ours", stdKey, ours}, {"ours to ours", ours, ours}} {
				s, err := c.from.Public().Seal("jti", p)
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.to.Open(s, "jti")
				if err != nil || got.PM != "pm" || got.Codes[0] != p.Codes[0] {
					t.Errorf("%s: Open = %+v, %v", c.name, got, err)
				}
				s.Enc = append([]byte(nil), s.Enc...)
				s.Enc[len(s.Enc)-1] ^= 1
				if _, err := c.to.Open(s, "jti"); !errors.Is(err, ErrSeal) {
					t.Errorf("%s: tampered enc: %v, want ErrSeal", c.name, err)
				}
			}
			if k == KEMX25519 {
				// An encapsulation that is a low-order point does not open.
				s, _ := ours.Public().Seal("jti", p)
				for _, lo := range lowOrder {
					s.Enc = lo
					if _, err := ours.Open(s, "jti"); !errors.Is(err, ErrSeal) {
						t.Errorf("low-order enc %x: %v, want ErrSeal", lo, err)
					}
				}
			}
		})
	}
}
