package challenge

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/limits"
)

// jwtVerify is Verify as it was written on golang-jwt: the reference the
// compact JWS code of token.go must agree with.
func jwtVerify(v Verifier, token, typ string, claims jwt.Claims) error {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(v.Issuer),
		jwt.WithAudience(v.Audience),
		jwt.WithTimeFunc(v.Now),
		jwt.WithLeeway(limits.ClockSkew),
	}
	if v.MaxLifetime > 0 {
		opts = append(opts, jwt.WithIssuedAt())
	}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if got, _ := t.Header["typ"].(string); got != typ {
			return nil, fmt.Errorf("typ %q, want %q", got, typ)
		}
		kid, _ := t.Header["kid"].(string)
		k, ok := v.Keys.Get(kid)
		if !ok {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		if k.Signer != v.Issuer {
			return nil, fmt.Errorf("key %q belongs to %q", kid, k.Signer)
		}
		return k.Key, nil
	}, opts...)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return ErrExpired
		}
		return ErrInvalid
	}
	if v.MaxLifetime > 0 {
		iat, _ := claims.GetIssuedAt()
		exp, _ := claims.GetExpirationTime()
		if iat == nil || exp.Sub(iat.Time) > v.MaxLifetime {
			return ErrInvalid
		}
	}
	return nil
}

// verdict is ok, expired or invalid: what callers tell apart.
func verdictOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrExpired):
		return "expired"
	case errors.Is(err, ErrInvalid):
		return "invalid"
	}
	return "other: " + err.Error()
}

// TestTokensAgreeWithGolangJWT: Sign writes the very bytes golang-jwt
// writes for the same claims and key, and Verify judges every token as the
// golang-jwt verifier did (ok, expired or invalid), claims decoded alike.
func TestTokensAgreeWithGolangJWT(t *testing.T) {
	issuer := mustSigningKey(t, IssuerName)
	edge := mustSigningKey(t, EdgeName)
	seal := mustSealKey(t, KEMX25519)
	now := t0.Add(time.Minute)
	clock := func() time.Time { return now }
	v := Verifier{Keys: NewKeySet(issuer.Public(), edge.Public()), Issuer: IssuerName, Audience: EdgeName, Now: clock}
	short := v
	short.MaxLifetime = 2 * time.Minute

	jwtSign := func(k SigningKey, typ string, c jwt.Claims) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tok.Header["typ"] = typ
		tok.Header["kid"] = k.KID
		s, err := tok.SignedString(k.Private)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	mod := func(f func(c *ChallengeClaims)) *ChallengeClaims {
		c := challengeClaims(t, seal.Public(), "j")
		f(c)
		return c
	}
	at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(t0.Add(d)) }
	tests := []struct {
		name   string
		v      Verifier
		key    SigningKey
		typ    string
		claims *ChallengeClaims
		edit   func(string) string
		want   string // ok, expired or invalid
	}{
		{"valid", v, issuer, TypChallenge, mod(func(*ChallengeClaims) {}), nil, "ok"},
		{"exp is now less the skew", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.ExpiresAt = at(0) }), nil, "expired"},
		{"exp passed, within the skew", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.ExpiresAt = at(time.Second) }), nil, "ok"},
		{"expired and wrong aud", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.ExpiresAt = at(0); c.Audience = nil }), nil, "expired"},
		{"expired and no subject", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.ExpiresAt = at(0); c.Subject = "" }), nil, "expired"},
		{"no exp", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.ExpiresAt = nil }), nil, "invalid"},
		{"nbf ahead within the skew", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.NotBefore = at(2 * time.Minute) }), nil, "ok"},
		{"nbf ahead past the skew", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.NotBefore = at(121 * time.Second) }), nil, "invalid"},
		{"iat ahead, no lifetime check", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.IssuedAt = at(time.Hour) }), nil, "ok"},
		{"iat ahead within the skew, lifetime check", short, issuer, TypChallenge, mod(func(c *ChallengeClaims) {
			c.IssuedAt = at(2 * time.Minute)
			c.NotBefore = nil
			c.ExpiresAt = at(3 * time.Minute)
		}), nil, "ok"},
		{"iat ahead past the skew, lifetime check", short, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.IssuedAt = at(121 * time.Second); c.NotBefore = nil }), nil, "invalid"},
		{"lifetime too long", short, issuer, TypChallenge, mod(func(*ChallengeClaims) {}), nil, "invalid"},
		{"lifetime fits", short, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.ExpiresAt = at(2 * time.Minute) }), nil, "ok"},
		{"no iat, lifetime check", short, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.IssuedAt = nil; c.ExpiresAt = at(2 * time.Minute) }), nil, "invalid"},
		{"aud among several", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.Audience = jwt.ClaimStrings{"x", EdgeName} }), nil, "ok"},
		{"no aud", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.Audience = nil }), nil, "invalid"},
		{"wrong iss", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.Issuer = "x" }), nil, "invalid"},
		{"claims' own Validate fails", v, issuer, TypChallenge, mod(func(c *ChallengeClaims) { c.Gen = 0 }), nil, "invalid"},
		{"edge's key", v, edge, TypChallenge, mod(func(*ChallengeClaims) {}), nil, "invalid"},
		{"other typ", v, issuer, TypSession, mod(func(*ChallengeClaims) {}), nil, "invalid"},
		{"tampered signature", v, issuer, TypChallenge, mod(func(*ChallengeClaims) {}), flipSignatureBit, "invalid"},
		{"padded signature", v, issuer, TypChallenge, mod(func(*ChallengeClaims) {}), func(s string) string { return s + "==" }, "invalid"},
		{"two segments", v, issuer, TypChallenge, mod(func(*ChallengeClaims) {}), func(s string) string { return s[:len(s)-87] }, "invalid"},
		{"four segments", v, issuer, TypChallenge, mod(func(*ChallengeClaims) {}), func(s string) string { return s + ".AA" }, "invalid"},
		{"empty", v, issuer, TypChallenge, mod(func(*ChallengeClaims) {}), func(string) string { return "" }, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ours, err := Sign(tt.key, tt.typ, tt.claims)
			if err != nil {
				t.Fatal(err)
			}
			if theirs := jwtSign(tt.key, tt.typ, tt.claims); ours != theirs {
				t.Fatalf("Sign differs from golang-jwt:\n%s\n%s", ours, theirs)
			}
			if tt.edit != nil {
				ours = tt.edit(ours)
			}
			var got, want ChallengeClaims
			g := verdictOf(tt.v.Verify(ours, TypChallenge, &got))
			w := verdictOf(jwtVerify(tt.v, ours, TypChallenge, &want))
			if g != w || g != tt.want {
				t.Fatalf("Verify: %s, golang-jwt: %s, want %s", g, w, tt.want)
			}
			if g == "ok" && (got.ID != want.ID || got.Seal.KID != want.Seal.KID || !got.ExpiresAt.Equal(want.ExpiresAt.Time) || got.Txn != want.Txn) {
				t.Errorf("claims differ:\n%+v\n%+v", got, want)
			}
		})
	}
}

// flipSignatureBit changes one bit in the middle of tok's signature (not in
// its last characters, whose spare bits base64 may ignore), so the result is
// always a different signature.
func flipSignatureBit(tok string) string {
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil || len(sig) == 0 {
		return tok + "!"
	}
	sig[len(sig)/2] ^= 0x01
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}
