package challenge

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SigningKey is an Ed25519 private key with its key id and the name of the
// party that signs with it.
type SigningKey struct {
	KID     string
	Private ed25519.PrivateKey
	// Signer is IssuerName or EdgeName. It travels with the public key in
	// the JWKS, and a verifier accepts a key only for tokens whose iss is its
	// signer: one JWKS holds both parties' keys, and the issuer's key must
	// not be able to make a result token that merchants accept.
	Signer string
	// NotBefore is when the key starts signing in a rotation (zero: it
	// always has); see rotation.go.
	NotBefore time.Time
	// rotation is every key of the key's rotation, oldest first; nil for a
	// key on its own. Sign picks among them by the token's iat.
	rotation []SigningKey
}

// NewSigningKey makes a fresh key for signer whose kid is its RFC 7638
// thumbprint.
func NewSigningKey(signer string) (SigningKey, error) {
	if signer == "" {
		return SigningKey{}, errors.New("challenge: new signing key: no signer")
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("challenge: new signing key: %w", err)
	}
	return SigningKey{KID: thumbprint(pub), Private: priv, Signer: signer}, nil
}

// Public returns the verification half.
func (k SigningKey) Public() PublicKey {
	return PublicKey{KID: k.KID, Key: k.Private.Public().(ed25519.PublicKey), Signer: k.Signer, NotBefore: k.NotBefore}
}

// PublicKeys returns the verification halves of every key of k's rotation:
// what a verifier must know while any of them may have signed.
func (k SigningKey) PublicKeys() []PublicKey {
	var out []PublicKey
	for _, r := range k.Rotation() {
		out = append(out, r.Public())
	}
	return out
}

// PublicKey is an Ed25519 verification key with its key id and signer.
type PublicKey struct {
	KID    string
	Key    ed25519.PublicKey
	Signer string
	// NotBefore is when the key starts signing (published for
	// information; verifiers accept a known key at any time).
	NotBefore time.Time
}

// KeySet holds the verification keys of one signer by kid. Several keys let a
// signer rotate: the new key is published before it signs, the old one stays
// until every token it signed has expired.
type KeySet struct {
	keys []PublicKey
}

// NewKeySet returns a set of keys.
func NewKeySet(keys ...PublicKey) *KeySet {
	return &KeySet{keys: append([]PublicKey(nil), keys...)}
}

// Get returns the key with the given kid.
func (s *KeySet) Get(kid string) (PublicKey, bool) {
	if s == nil || kid == "" {
		return PublicKey{}, false
	}
	for _, k := range s.keys {
		if k.KID == kid {
			return k, true
		}
	}
	return PublicKey{}, false
}

// Keys returns the keys in the set.
func (s *KeySet) Keys() []PublicKey { return append([]PublicKey(nil), s.keys...) }

// jwk is the JSON Web Key form of every key this package writes. Signing
// keys are RFC 8037 OKP/Ed25519; seal keys are "AKP" (algorithm key pair,
// as used for post-quantum keys) with the HPKE suite in alg.
type jwk struct {
	Kty string `json:"kty"`
	// Signer is our own member (RFC 7517 §4 lets others ignore it): which
	// party's tokens the key may verify.
	Signer string `json:"signer,omitempty"`
	Crv    string `json:"crv,omitempty"`
	KID    string `json:"kid"`
	Alg    string `json:"alg,omitempty"`
	Use    string `json:"use,omitempty"`
	X      string `json:"x,omitempty"`
	D      string `json:"d,omitempty"`
	Pub    string `json:"pub,omitempty"`
	Priv   string `json:"priv,omitempty"`
	// NBF is our own member too: the Unix time from which a key of a
	// rotation is used (signs, or is sealed to); absent for a lone key.
	NBF int64 `json:"nbf,omitempty"`
}

type jwkSet struct {
	Keys []json.RawMessage `json:"keys"`
}

var b64 = base64.RawURLEncoding

func (k PublicKey) jwk() jwk {
	return jwk{Kty: "OKP", Crv: "Ed25519", KID: k.KID, Alg: "EdDSA", Use: "sig", X: b64.EncodeToString(k.Key), Signer: k.Signer,
		NBF: unixOrZero(k.NotBefore)}
}

// MarshalJSON encodes the set as a JWKS document.
func (s *KeySet) MarshalJSON() ([]byte, error) {
	return JWKS(s.keys, nil)
}

// JWKS encodes signing keys and seal keys as one JWKS document, the form the
// issuer publishes at /.well-known/jwks.json.
func JWKS(sign []PublicKey, seal []SealPublicKey) ([]byte, error) {
	set := jwkSet{Keys: []json.RawMessage{}}
	for _, k := range sign {
		b, err := json.Marshal(k.jwk())
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, b)
	}
	for _, k := range seal {
		b, err := json.Marshal(k.jwk())
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, b)
	}
	return json.Marshal(set)
}

// ParseJWKS reads the Ed25519 signing keys of a JWKS document. Keys of other
// types (seal keys, RSA keys of another service) are skipped, as RFC 7517
// asks; a malformed Ed25519 key is an error.
func ParseJWKS(b []byte) (*KeySet, error) {
	sign, _, err := parseJWKS(b)
	if err != nil {
		return nil, err
	}
	return NewKeySet(sign...), nil
}

func parseJWKS(b []byte) ([]PublicKey, []SealPublicKey, error) {
	var set jwkSet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, nil, fmt.Errorf("challenge: parse jwks: %w", err)
	}
	var sign []PublicKey
	var seal []SealPublicKey
	for i, raw := range set.Keys {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, nil, fmt.Errorf("challenge: parse jwks key %d: %w", i, err)
		}
		switch {
		case k.Kty == "OKP" && k.Crv == "Ed25519":
			pk, err := k.publicKey()
			if err != nil {
				return nil, nil, fmt.Errorf("challenge: parse jwks key %d: %w", i, err)
			}
			sign = append(sign, pk)
		case k.Kty == "AKP" && k.Use == "enc":
			sp, err := k.sealPublicKey()
			if err != nil {
				return nil, nil, fmt.Errorf("challenge: parse jwks key %d: %w", i, err)
			}
			seal = append(seal, sp)
		}
	}
	return sign, seal, nil
}

func (k jwk) publicKey() (PublicKey, error) {
	x, err := b64.DecodeString(k.X)
	if err != nil || len(x) != ed25519.PublicKeySize {
		return PublicKey{}, errors.New("bad Ed25519 x")
	}
	if k.KID == "" {
		return PublicKey{}, errors.New("key has no kid")
	}
	if k.Signer == "" {
		return PublicKey{}, errors.New("key has no signer")
	}
	return PublicKey{KID: k.KID, Key: ed25519.PublicKey(x), Signer: k.Signer, NotBefore: nbfTime(k.NBF)}, nil
}

func (k jwk) signingKey() (SigningKey, error) {
	pk, err := k.publicKey()
	if err != nil {
		return SigningKey{}, err
	}
	d, err := b64.DecodeString(k.D)
	if err != nil || len(d) != ed25519.SeedSize {
		return SigningKey{}, errors.New("bad Ed25519 d")
	}
	priv := ed25519.NewKeyFromSeed(d)
	if !priv.Public().(ed25519.PublicKey).Equal(pk.Key) {
		return SigningKey{}, errors.New("Ed25519 d does not match x")
	}
	return SigningKey{KID: k.KID, Private: priv, Signer: pk.Signer, NotBefore: pk.NotBefore}, nil
}

// thumbprint is the RFC 7638 JWK thumbprint of an Ed25519 key, base64url.
func thumbprint(pub ed25519.PublicKey) string {
	canon := `{"crv":"Ed25519","kty":"OKP","x":"` + b64.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:])
}
