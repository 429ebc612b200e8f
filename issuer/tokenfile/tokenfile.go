// Package tokenfile reads the seed files that hardware-token vendors ship
// with their tokens: PSKC (RFC 6030) key containers and a simple CSV, into
// Keys the issuer stores as token credentials.
//
// Both readers are all or nothing: a file that fails anywhere (a bad MAC, a
// wrong password, an unsupported algorithm, one malformed line) yields an
// error and no keys, so an operator never imports half a batch and has to
// work out which tokens made it. Errors never contain seed material.
package tokenfile

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// MaxFileSize bounds what either reader reads: a PSKC key package is about
// 1.5 KB, so this holds some ten thousand tokens.
const MaxFileSize = 16 << 20

// Limits on a seed's length. RFC 4226 §4 requires at least 128 bits for new
// keys; RFC 6030's examples use shorter ones, so only ParseCSV, whose files
// are written for honnin, enforces MinSecretLen.
const (
	MinSecretLen = 16
	MaxSecretLen = 128
)

// Errors a caller may want to tell apart (test with errors.Is).
var (
	// ErrUnsupported: the file uses an encryption, key derivation, MAC or
	// OTP algorithm this package does not implement.
	ErrUnsupported = errors.New("unsupported")
	// ErrNeedKey: the file is encrypted and PSKCOptions lacks the
	// pre-shared key or the password it needs.
	ErrNeedKey = errors.New("decryption key needed")
	// ErrMAC: a value's MAC does not match, or the MAC key does not
	// decrypt: the key or password is wrong, or the file was altered.
	ErrMAC = errors.New("MAC check failed (wrong pre-shared key or password, or the file was altered)")
)

// Key is one token's seed and OTP parameters.
type Key struct {
	Serial       string // the token's serial number (printed on it)
	Secret       []byte
	Digits       int
	Period       int    // seconds per step; 0 for HOTP
	Algorithm    string // SHA1, SHA256 or SHA512
	Kind         string // "totp" or "hotp"
	Manufacturer string
	// NotBefore and NotAfter are the key's validity from a PSKC
	// <Policy>; zero when not given.
	NotBefore, NotAfter time.Time
}

// serialRE is what a serial may look like: it is shown to cardholders
// ("serial ending 1234") and is a database key, so no spaces or markup.
var serialRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func checkSerial(s string) error {
	if !serialRE.MatchString(s) {
		return fmt.Errorf("serial %s: want 1 to 64 of A-Z a-z 0-9 . _ -", shown(s))
	}
	return nil
}

// shown quotes a value for an error message, unless it is long enough to
// be a seed: the shortest, 16 bytes in base32 without its prefix, is 26
// characters. A CSV file with its columns out of order must not put its
// seeds into logs.
func shown(v string) string {
	if len(v) > 25 {
		return fmt.Sprintf("(%d characters)", len(v))
	}
	return strconv.Quote(v)
}
