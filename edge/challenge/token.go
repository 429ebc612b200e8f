package challenge

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Errors a verifier returns, wrapped; callers map them to HTTP statuses.
var (
	ErrInvalid = errors.New("invalid token")
	ErrExpired = errors.New("token expired")
)

// Sign mints a token of kind typ with k, or, when k is part of a rotation,
// with the rotation's key in use at the token's iat.
func Sign(k SigningKey, typ string, claims jwt.Claims) (string, error) {
	k = signingKeyAt(k, claims)
	if k.Private == nil || k.KID == "" {
		return "", errors.New("challenge: sign: no signing key")
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["typ"] = typ
	t.Header["kid"] = k.KID
	s, err := t.SignedString(k.Private)
	if err != nil {
		return "", fmt.Errorf("challenge: sign %s: %w", typ, err)
	}
	return s, nil
}

// Verifier checks tokens of one issuer for one audience.
type Verifier struct {
	Keys     *KeySet
	Issuer   string
	Audience string
	// MaxLifetime, when set, requires iat and refuses tokens whose exp is
	// further than this from iat: a call token must not be long-lived even if
	// its signer made a mistake.
	MaxLifetime time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify parses token into claims and checks, in this order: the algorithm
// is EdDSA, the header typ equals typ, the kid is known, the signature, then
// exp (required), nbf, iss, aud and the claims' own Validate. The key must
// belong to the expected issuer.
func (v Verifier) Verify(token, typ string, claims jwt.Claims) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(v.Issuer),
		jwt.WithAudience(v.Audience),
		jwt.WithTimeFunc(now),
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
			return nil, fmt.Errorf("key %q belongs to %q, not %q", kid, k.Signer, v.Issuer)
		}
		return k.Key, nil
	}, opts...)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return fmt.Errorf("challenge: %s: %w", typ, ErrExpired)
		}
		return fmt.Errorf("challenge: %s: %w: %v", typ, ErrInvalid, err)
	}
	if v.MaxLifetime > 0 {
		iat, _ := claims.GetIssuedAt()
		exp, _ := claims.GetExpirationTime()
		if iat == nil || exp.Sub(iat.Time) > v.MaxLifetime {
			return fmt.Errorf("challenge: %s: %w: lifetime over %s", typ, ErrInvalid, v.MaxLifetime)
		}
	}
	return nil
}
