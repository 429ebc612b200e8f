package challenge

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/limits"
)

// Errors a verifier returns, wrapped; callers map them to HTTP statuses.
var (
	ErrInvalid = errors.New("invalid token")
	ErrExpired = errors.New("token expired")
)

// Tokens are compact JWS (RFC 7515) with EdDSA (RFC 8037), made and checked
// here rather than by golang-jwt: the edge checks a token on every call,
// and golang-jwt's generic parser (a header map, a decoder per token, every
// registered algorithm's code linked through its SigningMethod interface)
// cost the Workers edge CPU and ~150 KiB of gzip. The claims types still
// embed jwt.RegisteredClaims, so the issuer, the merchant library and
// golang-jwt itself read and write the same tokens (tested both ways).

// header is the JOSE header of every token: alg, typ (the kind) and kid.
// Encoded with its fields in this order it is byte for byte what golang-jwt
// writes (a map, marshalled with sorted keys).
type header struct {
	Alg string `json:"alg"`
	KID string `json:"kid"`
	Typ string `json:"typ"`
}

const algEdDSA = "EdDSA"

// Sign mints a token of kind typ with k, or, when k is part of a rotation,
// with the rotation's key in use at the token's iat.
func Sign(k SigningKey, typ string, claims jwt.Claims) (string, error) {
	k = signingKeyAt(k, claims)
	if k.Private == nil || k.KID == "" {
		return "", errors.New("challenge: sign: no signing key")
	}
	h, err := json.Marshal(header{Alg: algEdDSA, KID: k.KID, Typ: typ})
	if err != nil {
		return "", fmt.Errorf("challenge: sign %s: %w", typ, err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("challenge: sign %s: %w", typ, err)
	}
	n1, n2 := b64.EncodedLen(len(h)), b64.EncodedLen(len(c))
	out := make([]byte, n1+1+n2, n1+1+n2+1+b64.EncodedLen(64))
	b64.Encode(out, h)
	out[n1] = '.'
	b64.Encode(out[n1+1:], c)
	sig := signEd25519(k.Private, out)
	out = append(out, '.')
	out = b64.AppendEncode(out, sig)
	return string(out), nil
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

// claimsValidator is what a claims type may add to the registered checks
// (golang-jwt's ClaimsValidator: every claims type here has it).
type claimsValidator interface {
	Validate() error
}

// Verify parses token into claims and checks, in this order: the algorithm
// is EdDSA, the header typ equals typ, the kid is known, the signature, then
// exp (required), nbf, iat (not in the future), iss, aud and the claims' own
// Validate. The key must belong to the expected issuer. An expired token is
// ErrExpired whatever else is wrong with its claims, once its signature
// holds; anything else is ErrInvalid.
func (v Verifier) Verify(token, typ string, claims jwt.Claims) error {
	if err := v.verify(token, typ, claims); err != nil {
		if errors.Is(err, ErrExpired) {
			return fmt.Errorf("challenge: %s: %w", typ, err)
		}
		return fmt.Errorf("challenge: %s: %w: %v", typ, ErrInvalid, err)
	}
	return nil
}

func (v Verifier) verify(token, typ string, claims jwt.Claims) error {
	hs, rest, ok1 := strings.Cut(token, ".")
	cs, ss, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(ss, ".") {
		return errors.New("token is not three segments")
	}
	hb, err := b64.DecodeString(hs)
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if h.Alg != algEdDSA {
		return fmt.Errorf("alg %q, want %s", h.Alg, algEdDSA)
	}
	if h.Typ != typ {
		return fmt.Errorf("typ %q, want %q", h.Typ, typ)
	}
	k, ok := v.Keys.Get(h.KID)
	if !ok {
		return fmt.Errorf("unknown kid %q", h.KID)
	}
	if k.Signer != v.Issuer {
		return fmt.Errorf("key %q belongs to %q, not %q", h.KID, k.Signer, v.Issuer)
	}
	sig, err := b64.DecodeString(ss)
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	if !verifyEd25519(k.Key, []byte(token[:len(hs)+1+len(cs)]), sig) {
		return errors.New("signature does not verify")
	}
	cb, err := b64.DecodeString(cs)
	if err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	if err := json.Unmarshal(cb, claims); err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	return v.validate(claims)
}

// validate checks the registered claims as golang-jwt's validator does with
// WithExpirationRequired, WithIssuer, WithAudience (and WithIssuedAt when
// MaxLifetime is set) and a leeway of limits.ClockSkew, then the claims' own
// Validate.
//
// The leeway is the one clock tolerance of every token: the signer's and
// the checker's clocks differ (an edge in another data centre, a merchant's
// server), and a token refused for a clock a few seconds off is an outcome
// lost or a cardholder turned away for nothing. Sixty seconds is far more
// than NTP-synchronised hosts drift and far less than any token lives.
func (v Verifier) validate(claims jwt.Claims) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	exp, _ := claims.GetExpirationTime()
	if exp == nil {
		return errors.New("no exp")
	}
	if !now.Before(exp.Time.Add(limits.ClockSkew)) {
		return ErrExpired
	}
	if nbf, _ := claims.GetNotBefore(); nbf != nil && now.Add(limits.ClockSkew).Before(nbf.Time) {
		return errors.New("not valid yet (nbf)")
	}
	iat, _ := claims.GetIssuedAt()
	if v.MaxLifetime > 0 {
		if iat == nil {
			return errors.New("no iat")
		}
		if now.Add(limits.ClockSkew).Before(iat.Time) {
			return errors.New("issued in the future (iat)")
		}
		if exp.Sub(iat.Time) > v.MaxLifetime {
			return fmt.Errorf("lifetime over %s", v.MaxLifetime)
		}
	}
	if iss, _ := claims.GetIssuer(); iss != v.Issuer {
		return fmt.Errorf("iss %q, want %q", iss, v.Issuer)
	}
	if aud, _ := claims.GetAudience(); !slices.Contains(aud, v.Audience) {
		return fmt.Errorf("aud %q lacks %q", aud, v.Audience)
	}
	if cv, ok := claims.(claimsValidator); ok {
		if err := cv.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// ReadClaims decodes a token's claims WITHOUT verifying it: only for a
// token the caller signed itself and kept in its own store (the edge's
// result token, given again). Anything received is verified with Verify.
func ReadClaims(token string, claims any) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("challenge: token is not three segments")
	}
	b, err := b64.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("challenge: claims: %w", err)
	}
	if err := json.Unmarshal(b, claims); err != nil {
		return fmt.Errorf("challenge: claims: %w", err)
	}
	return nil
}
