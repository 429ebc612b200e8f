package merchant

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
)

// FuzzVerify verifies result tokens (minted with fixed keys, then mutated)
// against a real JWKS server on loopback, and reads Cache-Control values.
// Properties: every refusal is ErrInvalidToken, ErrExpired or
// ErrWrongAuthentication; an accepted token is, over exactly the bytes it
// signs, one the test minted with the edge's key, for this merchant and
// this authentication, not expired (beyond a minute's clock tolerance),
// with a valid status; tokens with
// unknown or forged key ids never make the verifier fetch the JWKS again
// (within the refetch interval the fixed clock never leaves); a JWKS
// max-age is always clamped to 30 s .. 24 h.
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	key := func(signer string, b byte) challenge.SigningKey {
		return challenge.SigningKey{KID: signer + "-key", Signer: signer,
			Private: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))}
	}
	edge, issuer := key(challenge.EdgeName, 2), key(challenge.IssuerName, 1)
	doc, err := challenge.JWKS([]challenge.PublicKey{issuer.Public(), edge.Public()}, nil)
	if err != nil {
		f.Fatal(err)
	}
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	f.Cleanup(srv.Close)
	v, err := NewVerifier(srv.URL+"/.well-known/jwks.json", origin, WithClock(func() time.Time { return now }))
	if err != nil {
		f.Fatal(err)
	}

	result := func(k challenge.SigningKey, aud, sub, status string, exp time.Duration) string {
		c := &challenge.ResultClaims{RegisteredClaims: jwt.RegisteredClaims{Issuer: challenge.EdgeName, Audience: jwt.ClaimStrings{aud},
			Subject: sub, ID: "jti-" + status, IssuedAt: jwt.NewNumericDate(now.Add(-time.Minute)), ExpiresAt: jwt.NewNumericDate(now.Add(exp))},
			Status: status, AV: "AAABBB", ECI: "05"}
		tok, err := challenge.Sign(k, challenge.TypResult, c)
		if err != nil {
			f.Fatal(err)
		}
		return tok
	}
	minted := map[string]bool{} // signing inputs
	for _, tok := range []string{
		result(edge, origin, "auth1", "Y", 5*time.Minute),
		result(edge, origin, "auth1", "N", 5*time.Minute),
		result(edge, origin, "auth2", "A", 5*time.Minute),
		result(edge, origin, "auth1", "Y", -time.Second),               // expired
		result(edge, "https://other.example", "auth1", "Y", time.Hour), // another merchant's
		result(issuer, origin, "auth1", "Y", time.Hour),                // the issuer's key
	} {
		minted[tok[:strings.LastIndexByte(tok, '.')]] = true
		f.Add(tok, "auth1", "max-age=300")
	}
	f.Add("e30.e30.", "auth1", "no-store")
	f.Add("eyJraWQiOiJ4In0.e30.", "", `max-age="99999999999999999999"`)

	f.Fuzz(func(t *testing.T, token, authID, cacheControl string) {
		if d := maxAge(cacheControl); d < minMaxAge || d > maxMaxAge {
			t.Fatalf("max-age of %q is %s", cacheControl, d)
		}
		res, err := v.Verify(context.Background(), token, authID)
		if hits.Load() > 1 {
			t.Fatalf("the JWKS was fetched %d times; the clock never moved", hits.Load())
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrExpired) && !errors.Is(err, ErrWrongAuthentication) {
				t.Fatalf("refusal of an unexpected kind: %v", err)
			}
			return
		}
		if !minted[token[:strings.LastIndexByte(token, '.')]] {
			t.Fatalf("accepted a token the test did not mint: %q", token)
		}
		if res.AuthenticationID != authID || authID == "" || !contract.ValidStatus(res.Status) ||
			res.Authenticated() != (res.Status == contract.StatusAuthenticated) || !res.ExpiresAt.After(now.Add(-time.Minute)) {
			t.Fatalf("accepted %q as %+v for %q", token, res, authID)
		}
	})
}
