package challenge

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflare/circl/hpke"
	"github.com/cloudflare/circl/kem"
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

func (k KEM) suite() (hpke.Suite, hpke.KEM, error) {
	var id hpke.KEM
	switch k {
	case KEMXWing:
		id = hpke.KEM_XWING
	case KEMX25519:
		id = hpke.KEM_X25519_HKDF_SHA256
	default:
		return hpke.Suite{}, 0, fmt.Errorf("unknown KEM %q", string(k))
	}
	return hpke.NewSuite(id, hpke.KDF_HKDF_SHA256, hpke.AEAD_ChaCha20Poly1305), id, nil
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
	Key kem.PublicKey
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
	Private kem.PrivateKey
	// ring is every key of the rotation, oldest first; Open uses the one
	// the seal names, so seals made before a rotation still open.
	ring []SealKey
}

// NewSealKey makes a fresh seal key of the given KEM.
func NewSealKey(k KEM) (SealKey, error) {
	_, id, err := k.suite()
	if err != nil {
		return SealKey{}, fmt.Errorf("challenge: new seal key: %w", err)
	}
	pub, priv, err := id.Scheme().GenerateKeyPair()
	if err != nil {
		return SealKey{}, fmt.Errorf("challenge: new seal key: %w", err)
	}
	pb, err := pub.MarshalBinary()
	if err != nil {
		return SealKey{}, fmt.Errorf("challenge: new seal key: %w", err)
	}
	sum := sha256.Sum256(pb)
	return SealKey{
		SealPublicKey: SealPublicKey{KID: b64.EncodeToString(sum[:16]), KEM: k, Key: pub},
		Private:       priv,
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
	suite, _, err := k.KEM.suite()
	if err != nil {
		return Sealed{}, fmt.Errorf("challenge: seal: %w", err)
	}
	pt, err := json.Marshal(p)
	if err != nil {
		return Sealed{}, fmt.Errorf("challenge: seal: %w", err)
	}
	snd, err := suite.NewSender(k.Key, sealInfo)
	if err != nil {
		return Sealed{}, fmt.Errorf("challenge: seal: %w", err)
	}
	enc, sealer, err := snd.Setup(rand.Reader)
	if err != nil {
		return Sealed{}, fmt.Errorf("challenge: seal: %w", err)
	}
	ct, err := sealer.Seal(pt, []byte(jti))
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
	suite, _, err := k.KEM.suite()
	if err != nil {
		return Payload{}, fmt.Errorf("challenge: open: %w", err)
	}
	rcv, err := suite.NewReceiver(k.Private, sealInfo)
	if err != nil {
		return Payload{}, fmt.Errorf("challenge: open: %w", err)
	}
	opener, err := rcv.Setup(s.Enc)
	if err != nil {
		return Payload{}, fmt.Errorf("challenge: open: %w: %v", ErrSeal, err)
	}
	pt, err := opener.Open(s.CT, []byte(jti))
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
	pb, _ := k.Key.MarshalBinary()
	return jwk{Kty: "AKP", KID: k.KID, Alg: k.KEM.alg(), Use: "enc", Pub: b64.EncodeToString(pb), NBF: unixOrZero(k.NotBefore)}
}

func (k SealKey) jwk() (jwk, error) {
	j := k.SealPublicKey.jwk()
	sb, err := k.Private.MarshalBinary()
	if err != nil {
		return jwk{}, err
	}
	j.Priv = b64.EncodeToString(sb)
	return j, nil
}

func (k jwk) sealPublicKey() (SealPublicKey, error) {
	km, err := kemFromAlg(k.Alg)
	if err != nil {
		return SealPublicKey{}, err
	}
	_, id, _ := km.suite()
	pb, err := b64.DecodeString(k.Pub)
	if err != nil {
		return SealPublicKey{}, errors.New("bad seal pub")
	}
	pub, err := id.Scheme().UnmarshalBinaryPublicKey(pb)
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
	_, id, _ := pub.KEM.suite()
	sb, err := b64.DecodeString(k.Priv)
	if err != nil {
		return SealKey{}, errors.New("bad seal priv")
	}
	priv, err := id.Scheme().UnmarshalBinaryPrivateKey(sb)
	if err != nil {
		return SealKey{}, fmt.Errorf("bad seal priv: %w", err)
	}
	if !priv.Public().Equal(pub.Key) {
		return SealKey{}, errors.New("seal priv does not match pub")
	}
	return SealKey{SealPublicKey: pub, Private: priv}, nil
}
