package challenge

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Key rotation. A key file may hold one key (as keys init writes it) or a
// rotation: a JWK set whose keys carry our own member "nbf", the Unix time
// from which the key is used. At any instant the key in use is the one
// with the latest nbf not after that instant (a key without nbf has been in
// use since always); keys with a later nbf are published but not yet used,
// so every verifier has fetched them before the first token they sign; and
// an older key stays, verifying and opening, until every token it signed or
// sealed has expired (RetireAfter past its successor's nbf), when keys
// rotate -prune drops it.
//
// Signing picks the key by the token's iat, sealing by the time given to
// At: a process started before a rotation's nbf switches at nbf without a
// restart, and one started after it still holds the old key for tokens
// made before.

// RetireAfter is how long a key is kept once its successor is in use: the
// longest token life (session and challenge tokens, 10 minutes) plus 5
// minutes for clocks that disagree.
const RetireAfter = 15 * time.Minute

// JWKSMaxAge is how long a fetched JWKS may be cached (the issuer's
// Cache-Control max-age). A new key must be published at least this long
// before it signs.
const JWKSMaxAge = 5 * time.Minute

// inUse returns the key of rot (ordered by nbf, not empty) in use at t:
// the last whose nbf is not after t, or the first when all are in the
// future.
func inUse[K any](rot []K, nbf func(K) time.Time, t time.Time) K {
	cur := rot[0]
	for _, k := range rot {
		if !nbf(k).After(t) {
			cur = k
		}
	}
	return cur
}

func signingNBF(k SigningKey) time.Time { return k.NotBefore }
func sealNBF(k SealPublicKey) time.Time { return k.NotBefore }
func ringNBF(k SealKey) time.Time       { return k.NotBefore }

// At returns the key of k's rotation that signs at t (k itself when it was
// loaded alone).
func (k SigningKey) At(t time.Time) SigningKey {
	if len(k.rotation) == 0 {
		return k
	}
	return inUse(k.rotation, signingNBF, t)
}

// Rotation returns every key of k's rotation, oldest first.
func (k SigningKey) Rotation() []SigningKey {
	if len(k.rotation) == 0 {
		return []SigningKey{k}
	}
	return slices.Clone(k.rotation)
}

// NewRotation joins signing keys into one rotation, ordered by NotBefore
// (stable: keys without one keep their order), and returns its key in use
// at now. All keys must have the same signer.
func NewRotation(keys []SigningKey, now time.Time) (SigningKey, error) {
	if len(keys) == 0 {
		return SigningKey{}, errors.New("challenge: rotation: no keys")
	}
	ks := slices.Clone(keys)
	slices.SortStableFunc(ks, func(a, b SigningKey) int { return a.NotBefore.Compare(b.NotBefore) })
	for i := range ks {
		if ks[i].Signer != ks[0].Signer {
			return SigningKey{}, fmt.Errorf("challenge: rotation: keys of %s and %s", ks[0].Signer, ks[i].Signer)
		}
		ks[i].rotation = nil
	}
	for i := range ks {
		ks[i].rotation = ks
	}
	return ks[0].At(now), nil
}

// signingKeyAt is the key Sign uses for claims: the one in use at its iat,
// or now when it has none.
func signingKeyAt(k SigningKey, claims jwt.Claims) SigningKey {
	t := time.Now()
	if iat, err := claims.GetIssuedAt(); err == nil && iat != nil {
		t = iat.Time
	}
	return k.At(t)
}

// At returns the seal key of k's rotation to seal to at t.
func (k SealPublicKey) At(t time.Time) SealPublicKey {
	if len(k.rotation) == 0 {
		return k
	}
	return inUse(k.rotation, sealNBF, t)
}

// Rotation returns every key of k's rotation, oldest first.
func (k SealPublicKey) Rotation() []SealPublicKey {
	if len(k.rotation) == 0 {
		return []SealPublicKey{k}
	}
	return slices.Clone(k.rotation)
}

// NewSealRotation joins the edge's public seal keys into one rotation
// ordered by NotBefore and returns its key in use at now.
func NewSealRotation(keys []SealPublicKey, now time.Time) (SealPublicKey, error) {
	if len(keys) == 0 {
		return SealPublicKey{}, errors.New("challenge: seal rotation: no keys")
	}
	ks := slices.Clone(keys)
	slices.SortStableFunc(ks, func(a, b SealPublicKey) int { return a.NotBefore.Compare(b.NotBefore) })
	for i := range ks {
		ks[i].rotation = nil
	}
	for i := range ks {
		ks[i].rotation = ks
	}
	return ks[0].At(now), nil
}

// Ring returns every private seal key k opens with, oldest first.
func (k SealKey) Ring() []SealKey {
	if len(k.ring) == 0 {
		return []SealKey{k}
	}
	return slices.Clone(k.ring)
}

// NewSealKeyRing joins the edge's private seal keys, ordered by NotBefore,
// and returns the one in use at now; it opens seals made to any of them.
func NewSealKeyRing(keys []SealKey, now time.Time) (SealKey, error) {
	if len(keys) == 0 {
		return SealKey{}, errors.New("challenge: seal ring: no keys")
	}
	ks := slices.Clone(keys)
	slices.SortStableFunc(ks, func(a, b SealKey) int { return a.NotBefore.Compare(b.NotBefore) })
	for i := range ks {
		ks[i].ring = nil
	}
	for i := range ks {
		ks[i].ring = ks
	}
	return inUse(ks, ringNBF, now), nil
}

// opener returns the key of k's ring whose kid is kid.
func (k SealKey) opener(kid string) (SealKey, bool) {
	if kid == k.KID {
		return k, true
	}
	for _, r := range k.ring {
		if r.KID == kid {
			return r, true
		}
	}
	return SealKey{}, false
}

// Retired reports which of a rotation's keys (given by their NotBefore,
// oldest first) are no longer needed at now: those whose successor has been
// in use for RetireAfter. The key in use and later ones are never retired.
func Retired(nbfs []time.Time, now time.Time) []bool {
	out := make([]bool, len(nbfs))
	for i := 0; i+1 < len(nbfs); i++ {
		out[i] = !nbfs[i+1].Add(RetireAfter).After(now)
	}
	return out
}

// parseKeyFile reads a private key file's content: one JWK, or a rotation
// of them as a JWK set.
func parseKeyFile(b []byte) ([]jwk, error) {
	var probe struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, err
	}
	if probe.Keys != nil {
		if len(probe.Keys) == 0 {
			return nil, errors.New("empty key set")
		}
		return probe.Keys, nil
	}
	var one jwk
	if err := json.Unmarshal(b, &one); err != nil {
		return nil, err
	}
	return []jwk{one}, nil
}

func nbfTime(nbf int64) time.Time {
	if nbf == 0 {
		return time.Time{}
	}
	return time.Unix(nbf, 0).UTC()
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
