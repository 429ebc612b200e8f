package device

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Cookies mints and opens the device cookie (contract.DeviceCookieName): a
// random device id the issuer signed.
//
// The issuer signs, not the edge, though the edge sets the cookie: the
// edge runs on a CDN's machines and in every region, and a key there is
// one more copy of a secret to keep; the edge also has no use for the id,
// which only the issuer's risk decision reads. So the edge carries the
// value unread (contract.EdgeSignals.DeviceCookie in, StartResponse's
// DeviceCookie out) and only the issuer can mint a cookie: a client cannot
// make up an id, nor get its own made-up id (the client's device_id)
// signed, because a browser without a valid cookie gets a fresh random id.
//
// Value: "d1." + base64url-unpadded(id || HMAC-SHA256(key, label || id)[:16])
// with id 16 random bytes and label "honnin device cookie v1". A 128-bit
// tag is far more than a guess can reach; the label keeps the key's MACs
// apart from any other use of it.
type Cookies struct {
	key []byte
}

const (
	cookiePrefix = "d1."
	cookieLabel  = "honnin device cookie v1"
	idLen        = 16
	tagLen       = 16
)

var cookieEncoding = base64.RawURLEncoding.Strict()

// NewCookies returns Cookies signing with key. A key shorter than 16 bytes
// is a programmer's error (the key comes from the issuer's configuration,
// checked there), so it panics.
func NewCookies(key []byte) *Cookies {
	if len(key) < 16 {
		panic("device: cookie key shorter than 16 bytes")
	}
	return &Cookies{key: append([]byte(nil), key...)}
}

// Mint returns a new cookie value and the device id it carries: the
// base64url (unpadded) of 16 random bytes.
func (c *Cookies) Mint() (value, id string) {
	var raw [idLen]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails
	return c.value(raw), cookieEncoding.EncodeToString(raw[:])
}

// value is the cookie carrying id.
func (c *Cookies) value(id [idLen]byte) string {
	b := make([]byte, 0, idLen+tagLen)
	b = append(b, id[:]...)
	b = append(b, c.tag(id[:])...)
	return cookiePrefix + cookieEncoding.EncodeToString(b)
}

func (c *Cookies) tag(id []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(cookieLabel))
	m.Write(id)
	return m.Sum(nil)[:tagLen]
}

// Open returns the device id a cookie value carries when this key signed
// it. Anything else (another prefix or key, a changed byte, another
// length, another encoding of the same bytes) is not ok; it never panics.
func (c *Cookies) Open(value string) (id string, ok bool) {
	payload, found := strings.CutPrefix(value, cookiePrefix)
	if !found || len(payload) != cookieEncoding.EncodedLen(idLen+tagLen) {
		return "", false
	}
	b, err := cookieEncoding.DecodeString(payload)
	// The decoder skips CR and LF; the length check above then lets a
	// shorter decoding through, which the length check here refuses.
	if err != nil || len(b) != idLen+tagLen {
		return "", false
	}
	if !hmac.Equal(b[idLen:], c.tag(b[:idLen])) {
		return "", false
	}
	return cookieEncoding.EncodeToString(b[:idLen]), true
}
