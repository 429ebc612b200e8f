package health

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
)

// The "keys" check: a process whose keys cannot sign or be verified
// answers every request that needs them with an error (the issuer's
// session tokens and seals, the edge's result tokens and issuer calls), so
// it is not ready. Keys load at start and on SIGHUP; the check looks at
// the set in use now, so a rotation whose new key is not in use yet, or a
// reload that left no usable key, shows here and not as 500s.

// probeType is the typ of the token the check signs and verifies at once;
// it never leaves the process, and no verifier of a real token accepts it.
const probeType = "honnin-readyz+jwt"

// SigningReady reports whether k (one key or a rotation) signs at now with
// a key in use (its NotBefore passed) and whether a verifier holding pub
// accepts what it signs: the published key set holds the key in use.
func SigningReady(k challenge.SigningKey, pub *challenge.KeySet, now time.Time) error {
	cur := k.At(now)
	if cur.Private == nil || cur.KID == "" {
		return errors.New("no signing key loaded")
	}
	if cur.NotBefore.After(now) {
		return fmt.Errorf("signing key %s is not in use before %s", cur.KID, cur.NotBefore.UTC().Format(time.RFC3339))
	}
	claims := jwt.RegisteredClaims{Issuer: cur.Signer, Audience: jwt.ClaimStrings{probeType},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}
	tok, err := challenge.Sign(k, probeType, claims)
	if err != nil {
		return fmt.Errorf("signing key %s: %w", cur.KID, err)
	}
	v := challenge.Verifier{Keys: pub, Issuer: cur.Signer, Audience: probeType, Now: func() time.Time { return now }}
	if err := v.Verify(tok, probeType, &jwt.RegisteredClaims{}); err != nil {
		return fmt.Errorf("signing key %s: its token does not verify with the published keys: %w", cur.KID, err)
	}
	return nil
}

// verifiesNow reports whether set holds a key of signer (called who in
// the error) that is in use at now (a NotBefore not after now): a set of
// only keys not yet used, or of another signer's, verifies none of the
// tokens that arrive.
func verifiesNow(set *challenge.KeySet, signer, who string, now time.Time) error {
	if set == nil {
		return fmt.Errorf("no %s verification keys loaded", who)
	}
	n := 0
	for _, k := range set.Keys() {
		if k.Signer == signer && len(k.Key) > 0 {
			n++
			if !k.NotBefore.After(now) {
				return nil
			}
		}
	}
	if n == 0 {
		return fmt.Errorf("no %s verification keys loaded", who)
	}
	return fmt.Errorf("none of the %d %s verification keys is in use yet", n, who)
}

// IssuerKeysReady reports whether the issuer's keys serve at now: it signs
// with its key in use and the JWKS it publishes verifies that token (a
// merchant's result check and the edge's session check need both), it
// holds an edge key in use to check the edge's calls, and an edge seal key
// to seal codes to.
func IssuerKeysReady(k challenge.IssuerKeys, now time.Time) error {
	pub, err := challenge.ParseJWKS(k.JWKS)
	if err != nil {
		return fmt.Errorf("keys: published JWKS: %w", err)
	}
	if err := SigningReady(k.Sign, pub, now); err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	if err := verifiesNow(k.Edge, challenge.EdgeName, "edge", now); err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	if k.EdgeSeal.At(now).Key == nil {
		return errors.New("keys: no edge seal key to seal codes to")
	}
	return nil
}

// EdgeKeysReady reports whether the edge's keys serve at now: it signs
// with its key in use (result tokens, calls to the issuer) and that
// token verifies with its own public keys, it opens what is sealed to
// its seal key in use, and it holds an issuer key in use to check
// session tokens with.
func EdgeKeysReady(k challenge.EdgeKeys, now time.Time) error {
	if len(k.Sign.Private) == 0 {
		return errors.New("keys: no signing key loaded")
	}
	if err := SigningReady(k.Sign, challenge.NewKeySet(k.Sign.PublicKeys()...), now); err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	if k.Seal.KID == "" {
		return errors.New("keys: no seal key loaded")
	}
	const jti = "readyz"
	sealed, err := k.Seal.Public().Seal(jti, challenge.Payload{PM: "email"})
	if err == nil {
		_, err = k.Seal.Open(sealed, jti)
	}
	if err != nil {
		return fmt.Errorf("keys: seal key %s: %w", k.Seal.KID, err)
	}
	if err := verifiesNow(k.Issuer, challenge.IssuerName, "issuer", now); err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	return nil
}

// IssuerKeys is the "keys" check of the issuer: keys returns the set in
// use now (reloaded on SIGHUP).
func IssuerKeys(keys func() challenge.IssuerKeys, now func() time.Time) Check {
	return Check{Name: "keys", Run: func(context.Context) error { return IssuerKeysReady(keys(), now()) }}
}

// EdgeKeys is the "keys" check of the native edge.
func EdgeKeys(keys func() challenge.EdgeKeys, now func() time.Time) Check {
	return Check{Name: "keys", Run: func(context.Context) error { return EdgeKeysReady(keys(), now()) }}
}
