package challenge

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The same answers from both Ed25519 paths: this suite runs natively (Go's
// ed25519) and, in make test, as GOOS=js GOARCH=wasm under Node, where
// verifyEd25519 and the EdDSA of every token check go through WebCrypto.
func TestEd25519BothPaths(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	msg := []byte("honnin challenge token")
	sig := ed25519.Sign(priv, msg)
	flip := func(b []byte, i int) []byte {
		c := append([]byte(nil), b...)
		c[i] ^= 1
		return c
	}
	tests := []struct {
		name          string
		pub, msg, sig []byte
		want          bool
	}{
		{"valid", pub, msg, sig, true},
		{"empty message", pub, nil, ed25519.Sign(priv, nil), true},
		{"tampered signature R", pub, msg, flip(sig, 0), false},
		{"tampered signature S", pub, msg, flip(sig, 63), false},
		{"tampered message", pub, flip(msg, 3), sig, false},
		{"other key", other, msg, sig, false},
		{"short signature", pub, msg, sig[:63], false},
		{"short key", pub[:31], msg, sig, false},
	}
	for _, tt := range tests {
		got := verifyEd25519(tt.pub, tt.msg, tt.sig)
		gold := len(tt.pub) == ed25519.PublicKeySize && ed25519.Verify(tt.pub, tt.msg, tt.sig)
		if got != tt.want || got != gold {
			t.Errorf("%s: verifyEd25519 = %v, Go's ed25519 = %v, want %v", tt.name, got, gold, tt.want)
		}
	}

	// Signatures: Ed25519 is deterministic, so both paths must give Go's
	// bytes exactly, and the signature must check.
	for _, m := range [][]byte{nil, msg, make([]byte, 4096)} {
		got := signEd25519(priv, m)
		if want := ed25519.Sign(priv, m); string(got) != string(want) {
			t.Errorf("signEd25519 of %d bytes = %x, Go's ed25519 = %x", len(m), got, want)
		}
		if !verifyEd25519(pub, m, got) {
			t.Errorf("signEd25519 of %d bytes does not verify", len(m))
		}
	}

	// Through the token check, as the edge uses it.
	k, err := NewSigningKey(IssuerName)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := Sign(k, TypSession, &SessionClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer: IssuerName, Audience: jwt.ClaimStrings{EdgeName}, Subject: "A",
		ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
	}, MerchantOrigin: "https://shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	// The token's signature is the signature Go's ed25519 makes of its
	// signing input.
	dot := strings.LastIndexByte(tok, '.')
	if sig, err := b64.DecodeString(tok[dot+1:]); err != nil || string(sig) != string(ed25519.Sign(k.Private, []byte(tok[:dot]))) {
		t.Errorf("token signature differs from Go's ed25519 (%v)", err)
	}
	v := Verifier{Keys: NewKeySet(k.Public()), Issuer: IssuerName, Audience: EdgeName}
	var c SessionClaims
	if err := v.Verify(tok, TypSession, &c); err != nil || c.Subject != "A" {
		t.Errorf("valid token: %v (sub %q)", err, c.Subject)
	}
	bad := tok[:len(tok)-4] + "AAAA"
	if bad == tok {
		bad = tok[:len(tok)-4] + "BBBB"
	}
	if err := v.Verify(bad, TypSession, &c); !errors.Is(err, ErrInvalid) {
		t.Errorf("tampered token: %v, want ErrInvalid", err)
	}
}
