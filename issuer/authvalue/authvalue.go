// Package authvalue computes and checks the authentication value (the AV,
// EMV 3-D Secure's authenticationValue, the CAVV) the issuer gives every
// authentication that ends Y (authenticated) or A (attempted).
//
// The value is 20 bytes, sent as 28 characters of standard base64 with
// padding, the form EMV 3-D Secure 2.1.0 and 2.2.0 require. The issuer
// computes it with a key of its own, so its authorisation host can later
// check that an authorisation presenting it is for the card, amount and
// currency that were authenticated, and learn how and when:
//
//	byte    size  field
//	[0]     1     layout version: 1
//	[1]     1     key id, 1-255 (0 is never used)
//	[2]     1     result: 'Y' (0x59) authenticated, 'A' (0x41) attempted
//	[3]     1     authentication method, the EMV authenticationMethod
//	              number as a binary byte: 0 none (frictionless, attempts),
//	              1 static passcode, 2 SMS OTP, 3 token OTP, 4 app OTP,
//	              5 other OTP (email)
//	[4:8]   4     time of the authentication, unix seconds, big endian
//	[8:10]  2     random: two authentications of the same card, amount,
//	              result and method in the same second still get two values
//	[10:20] 10    the first 10 bytes (80 bits) of HMAC-SHA256(key,
//	              "honnin/authvalue/v1" 0x00 | bytes [0:10] |
//	              len(PAN HMAC) | PAN HMAC | amount (int64, big endian) |
//	              len(currency) | currency)
//
// The MAC covers the card by its PAN HMAC (issuer/pan's Sum: the issuer
// keeps it for every card, and the authorisation host sends the number for
// the issuer to hash), so the value names no card number, and the amount in
// minor units with its ISO 4217 alphabetic code.
//
// Why these sizes. The header is a byte each: 255 keys are decades of
// yearly rotations; EMV's method numbering fits a byte. Seconds rather
// than minutes cost nothing in four bytes and last until 2106 (a later
// layout version has until then). The 80-bit MAC is RFC 2104's floor for a
// truncated HMAC ("not less than 80 bits"); guessing one needs 2^79
// authorisations on average, each of which the authorisation host sees.
// The 16 random bits make each value unique in practice, so the
// authorisation host can refuse a value presented twice, as a network does
// with a CAVV's transaction number.
//
// This is honnin's own layout. JCB's J/Secure 2.0 CAVV layout, codes and
// key handling are in JCB's non-public issuer/ACS documentation (README.md
// here says what is known): replace this package's layout with the
// issuer's or JCB's when it is supplied. The version byte lets both be
// checked during a changeover.
//
// The package does no I/O: the keys come from the caller (issuer/acs keeps
// them in the database, sealed by the issuer's vault).
package authvalue

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/money"
)

// Size is the authentication value's length in bytes, and Len its length
// in base64 characters.
const (
	Size = 20
	Len  = 28
)

// KeySize is the size of a key: HMAC-SHA256's block-independent strength.
const KeySize = 32

// Version is the layout Mint writes and Verify reads.
const Version = 1

// Results the value can carry.
const (
	StatusAuthenticated = "Y"
	StatusAttempted     = "A"
)

// MethodNone is the method code of an authentication without a challenge
// (frictionless Y, attempts A). The others are edge/emv3ds's Method*
// (EMV authenticationMethod numbering): "01" … "05".
const MethodNone = "00"

// MaxAge is how long after the authentication Verify accepts the value: 90
// days. The authorisation normally follows within minutes; a delayed or
// split-shipment authorisation, a re-authorisation, and a dispute look-up
// come weeks later. Past 90 days a value is refused (ErrTooOld), which also
// bounds how long a copied value is worth anything, and keys retired longer
// than that can be deleted.
const MaxAge = 90 * 24 * time.Hour

// MaxSkew is how far in the future a value's time may be: replicas' clocks
// disagree by seconds, not minutes.
const MaxSkew = 5 * time.Minute

const (
	label     = "honnin/authvalue/v1\x00"
	headerLen = 10
	macLen    = Size - headerLen
)

// The reasons Verify refuses a value; the error wraps one of them.
var (
	// ErrMalformed: not 20 bytes of base64, an unknown layout version, or a
	// result or method that cannot be.
	ErrMalformed = errors.New("malformed")
	// ErrUnknownKey: the key id is not one of the keys (a key not loaded
	// yet, or a value not made by this issuer).
	ErrUnknownKey = errors.New("unknown_key")
	// ErrMismatch: the MAC is not the one of this card, amount and
	// currency (another purchase's value, or a forged or altered one).
	ErrMismatch = errors.New("mismatch")
	// ErrTooOld: older than MaxAge.
	ErrTooOld = errors.New("too_old")
	// ErrFuture: dated more than MaxSkew ahead of now.
	ErrFuture = errors.New("future")
)

// Reason returns the short code of err's reason (one of the Err* texts
// above), or "" when err is not a refusal of the value.
func Reason(err error) string {
	for _, e := range []error{ErrMalformed, ErrUnknownKey, ErrMismatch, ErrTooOld, ErrFuture} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return ""
}

// Purchase is what the value is bound to: the card, by its PAN HMAC, and
// the amount in minor units of the ISO 4217 alphabetic currency code.
type Purchase struct {
	PANHMAC  []byte
	Amount   int64
	Currency string
}

// Facts are what Mint puts into a value: the purchase, the result (Y or
// A), the EMV authenticationMethod code ("00" for none) and when.
type Facts struct {
	Purchase
	Status string
	Method string
	At     time.Time
}

// Checked is what a value that verifies says.
type Checked struct {
	Status string
	Method string
	At     time.Time
	KeyID  int
}

// Keys are the issuer's AV keys: the current one mints, every one
// verifies, so values made before a rotation still check. It is safe for
// concurrent use.
type Keys struct {
	current byte
	keys    map[byte][]byte
}

// NewKeys returns the key set of keys by id, current minting. Ids are 1 to
// 255; every key is KeySize bytes.
func NewKeys(current int, keys map[int][]byte) (*Keys, error) {
	k := &Keys{keys: make(map[byte][]byte, len(keys))}
	for id, key := range keys {
		if id < 1 || id > 255 {
			return nil, fmt.Errorf("authvalue: key id %d: want 1 to 255", id)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("authvalue: key %d is %d bytes, want %d", id, len(key), KeySize)
		}
		k.keys[byte(id)] = append([]byte(nil), key...)
	}
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("authvalue: current key %d is not among the keys", current)
	}
	k.current = byte(current)
	return k, nil
}

// NewKey returns a fresh random key.
func NewKey() []byte {
	b := make([]byte, KeySize)
	rand.Read(b)
	return b
}

// Generate returns a key set of one fresh key, id 1: for tests and tools
// that keep nothing.
func Generate() *Keys {
	k, err := NewKeys(1, map[int][]byte{1: NewKey()})
	if err != nil {
		panic(err)
	}
	return k
}

// Current is the id of the key that mints.
func (k *Keys) Current() int { return int(k.current) }

// Has reports whether key id is in the set.
func (k *Keys) Has(id int) bool {
	_, ok := k.keys[byte(id)]
	return ok && id >= 1 && id <= 255
}

// Mint computes the value of f with the current key.
func (k *Keys) Mint(f Facts) (string, error) {
	if err := f.Purchase.check(); err != nil {
		return "", err
	}
	var b [Size]byte
	b[0], b[1] = Version, k.current
	switch f.Status {
	case StatusAuthenticated, StatusAttempted:
		b[2] = f.Status[0]
	default:
		return "", fmt.Errorf("authvalue: status %q: want Y or A", f.Status)
	}
	m, ok := methodByte(f.Method)
	if !ok {
		return "", fmt.Errorf("authvalue: method %q: want two digits (00 none, 01-05 EMV authenticationMethod)", f.Method)
	}
	b[3] = m
	secs := f.At.Unix()
	if f.At.IsZero() || secs < 0 || secs > math.MaxUint32 {
		return "", fmt.Errorf("authvalue: time %v out of range", f.At)
	}
	binary.BigEndian.PutUint32(b[4:8], uint32(secs))
	rand.Read(b[8:10])
	copy(b[headerLen:], mac(k.keys[k.current], b[:headerLen], f.Purchase))
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// Verify checks av against the purchase p at time now. A value that
// verifies was made by one of the keys for exactly this card, amount and
// currency, at most MaxAge ago; what it says is returned. Otherwise the
// error wraps ErrMalformed, ErrUnknownKey, ErrMismatch, ErrTooOld or
// ErrFuture (Reason names it); an invalid p is an error wrapping none.
// Nothing but the version and key id is read before the MAC is checked.
func (k *Keys) Verify(av string, p Purchase, now time.Time) (Checked, error) {
	if err := p.check(); err != nil {
		return Checked{}, err
	}
	b, err := decode(av)
	if err != nil {
		return Checked{}, err
	}
	key, ok := k.keys[b[1]]
	if !ok || b[1] == 0 {
		return Checked{}, fmt.Errorf("authvalue: key id %d: %w", b[1], ErrUnknownKey)
	}
	if subtle.ConstantTimeCompare(b[headerLen:], mac(key, b[:headerLen], p)) != 1 {
		return Checked{}, fmt.Errorf("authvalue: %w", ErrMismatch)
	}
	c := Checked{KeyID: int(b[1]), Status: string(rune(b[2])), Method: fmt.Sprintf("%02d", b[3]),
		At: time.Unix(int64(binary.BigEndian.Uint32(b[4:8])), 0).UTC()}
	if (c.Status != StatusAuthenticated && c.Status != StatusAttempted) || b[3] > 99 {
		// Only a holder of the key writes these bytes: a fault of the
		// minting side, not an attack.
		return Checked{}, fmt.Errorf("authvalue: result %#x, method %#x: %w", b[2], b[3], ErrMalformed)
	}
	switch {
	case now.Sub(c.At) > MaxAge:
		return c, fmt.Errorf("authvalue: made %s, more than %v ago: %w", c.At.Format(time.RFC3339), MaxAge, ErrTooOld)
	case c.At.Sub(now) > MaxSkew:
		return c, fmt.Errorf("authvalue: made %s, after now (%s): %w", c.At.Format(time.RFC3339), now.UTC().Format(time.RFC3339), ErrFuture)
	}
	return c, nil
}

// decode parses av's base64 (padded, as EMV writes it, or unpadded) into
// the 20 bytes of a layout this package reads. Strict decoding refuses
// non-zero padding bits, so one value has one spelling (its SHA-256, which
// the issuer keeps, then names it).
func decode(av string) ([Size]byte, error) {
	var b [Size]byte
	enc := base64.StdEncoding.Strict()
	if !strings.HasSuffix(av, "=") {
		enc = base64.RawStdEncoding.Strict()
	}
	if len(av) > Len {
		return b, fmt.Errorf("authvalue: %d characters, want %d: %w", len(av), Len, ErrMalformed)
	}
	// The decoder skips line breaks; a value has none.
	if strings.ContainsAny(av, "\r\n") {
		return b, fmt.Errorf("authvalue: a line break: %w", ErrMalformed)
	}
	raw, err := enc.DecodeString(av)
	if err != nil || len(raw) != Size {
		return b, fmt.Errorf("authvalue: not %d bytes of base64: %w", Size, ErrMalformed)
	}
	copy(b[:], raw)
	if b[0] != Version {
		return b, fmt.Errorf("authvalue: layout version %d, want %d: %w", b[0], Version, ErrMalformed)
	}
	return b, nil
}

// mac is the truncated HMAC of header and p under key: the layout's
// bytes [10:20]. Every variable-length field is length-prefixed, so no two
// inputs share an encoding.
func mac(key, header []byte, p Purchase) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	m.Write(header)
	m.Write([]byte{byte(len(p.PANHMAC))})
	m.Write(p.PANHMAC)
	var amount [8]byte
	binary.BigEndian.PutUint64(amount[:], uint64(p.Amount))
	m.Write(amount[:])
	m.Write([]byte{byte(len(p.Currency))})
	m.Write([]byte(p.Currency))
	return m.Sum(nil)[:macLen]
}

// check refuses a purchase no value can be made for.
func (p Purchase) check() error {
	switch {
	case len(p.PANHMAC) == 0 || len(p.PANHMAC) > 64:
		return fmt.Errorf("authvalue: PAN HMAC of %d bytes", len(p.PANHMAC))
	case p.Amount < 0:
		return fmt.Errorf("authvalue: negative amount %d", p.Amount)
	case money.NoPurchase(p.Amount, p.Currency):
		// an EMV non-payment authentication: no amount, no currency
	case len(p.Currency) != 3 || strings.Trim(p.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
		return fmt.Errorf("authvalue: currency %q: want an ISO 4217 alphabetic code (JPY)", p.Currency)
	}
	return nil
}

// methodByte is the layout's byte of an EMV method code: "00" to "99".
func methodByte(m string) (byte, bool) {
	if len(m) != 2 || strings.Trim(m, "0123456789") != "" {
		return 0, false
	}
	n, _ := strconv.Atoi(m)
	return byte(n), true
}
