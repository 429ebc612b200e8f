package challenge

import (
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// KEM names the HPKE key encapsulation of a seal key.
type KEM string

const (
	// KEMXWing is X25519 + ML-KEM-768: post-quantum hybrid, about the same
	// CPU as X25519 and 1.1 KB more per challenge token. The default, since a
	// recorded token must stay unreadable for the codes' lifetime and beyond.
	KEMXWing KEM = "X-Wing"
	// KEMX25519 is DHKEM(X25519, HKDF-SHA256): smaller tokens.
	KEMX25519 KEM = "X25519"
)

// sealInfo binds every seal to this protocol and version (RFC 9180 info).
var sealInfo = []byte("honnin/challenge/v1")

// The seal's KDF and AEAD, the same for both KEMs. ChaCha20-Poly1305 is
// not in WebCrypto, and need not be: it runs over a few hundred bytes, and
// the KEM's X25519, which is, goes through WebCrypto on js/wasm.
var (
	sealKDF  = hpke.HKDFSHA256()
	sealAEAD = hpke.ChaCha20Poly1305()
)

// hpkeKEM is the standard library's KEM of k: the wire formats (keys,
// encapsulations, ciphertexts) are RFC 9180's and draft-connolly-cfrg-xwing's,
// so seals interoperate with any other implementation (circl's, which the
// issuer used before, is tested against).
func (k KEM) hpkeKEM() (hpke.KEM, error) {
	switch k {
	case KEMXWing:
		return hpke.MLKEM768X25519(), nil
	case KEMX25519:
		return hpke.DHKEM(ecdh.X25519()), nil
	}
	return nil, fmt.Errorf("unknown KEM %q", string(k))
}

func (k KEM) alg() string { return "HPKE-" + string(k) + "-SHA256-ChaCha20Poly1305" }

func kemFromAlg(alg string) (KEM, error) {
	for _, k := range []KEM{KEMXWing, KEMX25519} {
		if k.alg() == alg {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown seal alg %q", alg)
}

// sealPrivate builds the private key of KEM k from its 32-byte serialized
// form, as the KEM's NewPrivateKey does, but with the X25519 half from
// x25519Key: on js/wasm that is WebCrypto's X25519, the costliest part of
// an open in wasm (~1 ms against ~0.3 ms for ML-KEM-768). X-Wing's key is a
// seed, expanded with SHAKE256 into the ML-KEM-768 seed (d || z) and the
// X25519 scalar.
func sealPrivate(k KEM, raw []byte) (hpke.PrivateKey, error) {
	if len(raw) != 32 {
		return nil, fmt.Errorf("%s private key is %d bytes, want 32", k, len(raw))
	}
	switch k {
	case KEMX25519:
		x, err := x25519Key(raw)
		if err != nil {
			return nil, err
		}
		return hpke.NewDHKEMPrivateKey(x)
	case KEMXWing:
		h := sha3.NewSHAKE256()
		h.Write(raw)
		seed := make([]byte, mlkem.SeedSize+32)
		h.Read(seed)
		dk, err := mlkem.NewDecapsulationKey768(seed[:mlkem.SeedSize])
		if err != nil {
			return nil, err
		}
		x, err := x25519Key(seed[mlkem.SeedSize:])
		if err != nil {
			return nil, err
		}
		return hpke.NewHybridPrivateKey(dk, x)
	}
	return nil, fmt.Errorf("unknown KEM %q", string(k))
}

// Payload is what only the edge may read: the codes it compares against, the
// personal message it shows, and the authentication value it puts in a Y.
type Payload struct {
	PM          string `json:"pm"`
	Codes       []Code `json:"codes"`
	AV          string `json:"av,omitempty"`
	MaxAttempts int    `json:"max_attempts"`
	// Period is the code's validity in seconds: 600 for email/SMS codes, the
	// TOTP step (60) for app and token codes.
	Period int `json:"period"`
	// Skew is how many steps either side of now a TOTP code is accepted.
	Skew int `json:"skew"`
	// Creds are the credentials the challenge offers, each with its epoch
	// at the issuer when the challenge was sealed. Every wrong code is
	// counted against each of them at the edge, and the edge refuses to
	// compare for a credential the issuer changed since (a higher epoch
	// pushed to the edge: locked, revoked, replaced, unlocked).
	Creds []CredRef `json:"creds,omitempty"`
	// Card names the cardholder's card to the edge (an opaque id, not the
	// number) and CardSeq orders its challenges: the edge refuses a
	// challenge once a newer one of the same card was started, so a card
	// has one open challenge at a time.
	Card    string `json:"card,omitempty"`
	CardSeq int64  `json:"card_seq,omitempty"`
}

// CredRef names a credential (its public id) and its epoch: the count of
// state changes (lock, unlock, revocation) the issuer made to it.
type CredRef struct {
	ID    string `json:"id"`
	Epoch int64  `json:"epoch"`
}

// Code is one acceptable code. Step is 0 for email/SMS codes and the RFC 6238
// time step for app and token codes.
type Code struct {
	Cred string `json:"cred"`
	Step int64  `json:"step"`
	Code string `json:"code"`
}

// Sealed is an HPKE ciphertext of a Payload to the edge's seal key.
type Sealed struct {
	KID string `json:"kid"`
	Enc []byte `json:"enc"`
	CT  []byte `json:"ct"`
}

// SealPublicKey is the edge's HPKE public key: the issuer seals to it.
type SealPublicKey struct {
	KID string
	KEM KEM
	Key hpke.PublicKey
	// NotBefore is when the issuer starts sealing to the key in a rotation
	// (zero: it always has).
	NotBefore time.Time
	// rotation is every key of the rotation, oldest first; nil for a lone
	// key. At picks among them.
	rotation []SealPublicKey
}

// SealKey is the edge's HPKE private key.
type SealKey struct {
	SealPublicKey
	Private hpke.PrivateKey
	// raw is the serialized private key (the key file's priv): Private
	// cannot give it back when its X25519 half is a WebCrypto key.
	raw []byte
	// ring is every key of the rotation, oldest first; Open uses the one
	// the seal names, so seals made before a rotation still open.
	ring []SealKey
}

// NewSealKey makes a fresh seal key of the given KEM. Both KEMs' private
// keys are 32 random bytes.
func NewSealKey(k KEM) (SealKey, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return SealKey{}, fmt.Errorf("challenge: new seal key: %w", err)
	}
	priv, err := sealPrivate(k, raw)
	if err != nil {
		return SealKey{}, fmt.Errorf("challenge: new seal key: %w", err)
	}
	pub := priv.PublicKey()
	sum := sha256.Sum256(pub.Bytes())
	return SealKey{
		SealPublicKey: SealPublicKey{KID: b64.EncodeToString(sum[:16]), KEM: k, Key: pub},
		Private:       priv,
		raw:           raw,
	}, nil
}

// Public returns the half the issuer holds.
func (k SealKey) Public() SealPublicKey {
	p := k.SealPublicKey
	p.rotation = nil
	return p
}

// Seal encrypts p to the key, bound to the token id jti: a seal lifted into
// another token (another jti) does not open.
func (k SealPublicKey) Seal(jti string, p Payload) (Sealed, error) {
	if jti == "" {
		return Sealed{}, errors.New("challenge: seal: empty jti")
	}
	if k.Key == nil {
		return Sealed{}, errors.New("challenge: seal: no key")
	}
	pt, err := json.Marshal(p)
	if err != nil {
		return Sealed{}, fmt.Errorf("challenge: seal: %w", err)
	}
	enc, snd, err := hpke.NewSender(k.Key, sealKDF, sealAEAD, sealInfo)
	if err != nil {
		return Sealed{}, fmt.Errorf("challenge: seal: %w", err)
	}
	ct, err := snd.Seal([]byte(jti), pt)
	if err != nil {
		return Sealed{}, fmt.Errorf("challenge: seal: %w", err)
	}
	return Sealed{KID: k.KID, Enc: enc, CT: ct}, nil
}

// ErrSeal is returned, wrapped, for any seal that does not open.
var ErrSeal = errors.New("seal does not open")

// Open decrypts s, which must have been sealed for jti, with the key of
// k's ring that s names.
func (k SealKey) Open(s Sealed, jti string) (Payload, error) {
	k, ok := k.opener(s.KID)
	if !ok {
		return Payload{}, fmt.Errorf("challenge: open: %w: unknown kid %q", ErrSeal, s.KID)
	}
	if k.Private == nil {
		return Payload{}, errors.New("challenge: open: no key")
	}
	rcv, err := hpke.NewRecipient(s.Enc, k.Private, sealKDF, sealAEAD, sealInfo)
	if err != nil {
		return Payload{}, fmt.Errorf("challenge: open: %w: %v", ErrSeal, err)
	}
	pt, err := rcv.Open([]byte(jti), s.CT)
	if err != nil {
		return Payload{}, fmt.Errorf("challenge: open: %w: %v", ErrSeal, err)
	}
	var p Payload
	if err := json.Unmarshal(pt, &p); err != nil {
		return Payload{}, fmt.Errorf("challenge: open: %w: %v", ErrSeal, err)
	}
	return p, nil
}

func (k SealPublicKey) jwk() jwk {
	return jwk{Kty: "AKP", KID: k.KID, Alg: k.KEM.alg(), Use: "enc", Pub: b64.EncodeToString(k.Key.Bytes()), NBF: unixOrZero(k.NotBefore)}
}

func (k SealKey) jwk() (jwk, error) {
	if len(k.raw) == 0 {
		return jwk{}, errors.New("seal key has no private part")
	}
	j := k.SealPublicKey.jwk()
	j.Priv = b64.EncodeToString(k.raw)
	return j, nil
}

func (k jwk) sealPublicKey() (SealPublicKey, error) {
	km, err := kemFromAlg(k.Alg)
	if err != nil {
		return SealPublicKey{}, err
	}
	hk, err := km.hpkeKEM()
	if err != nil {
		return SealPublicKey{}, err
	}
	pb, err := b64.DecodeString(k.Pub)
	if err != nil {
		return SealPublicKey{}, errors.New("bad seal pub")
	}
	pub, err := hk.NewPublicKey(pb)
	if err != nil {
		return SealPublicKey{}, fmt.Errorf("bad seal pub: %w", err)
	}
	if k.KID == "" {
		return SealPublicKey{}, errors.New("key has no kid")
	}
	return SealPublicKey{KID: k.KID, KEM: km, Key: pub, NotBefore: nbfTime(k.NBF)}, nil
}

func (k jwk) sealKey() (SealKey, error) {
	pub, err := k.sealPublicKey()
	if err != nil {
		return SealKey{}, err
	}
	raw, err := b64.DecodeString(k.Priv)
	if err != nil {
		return SealKey{}, errors.New("bad seal priv")
	}
	priv, err := sealPrivate(pub.KEM, raw)
	if err != nil {
		return SealKey{}, fmt.Errorf("bad seal priv: %w", err)
	}
	if string(priv.PublicKey().Bytes()) != string(pub.Key.Bytes()) {
		return SealKey{}, errors.New("seal priv does not match pub")
	}
	return SealKey{SealPublicKey: pub, Private: priv, raw: raw}, nil
}
