package pan

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/honnin/honnin/edge/secretfile"
)

// KeySize is the length of a Hasher key in bytes.
const KeySize = 32

// Hasher turns card numbers into lookup keys: HMAC-SHA256 under a secret key
// of the normalised digits. A plain hash would not do: PANs have so little
// entropy (a known BIN, a check digit, at most ~10^9 accounts per BIN) that an
// unkeyed SHA-256 of every possible number is quick to compute, so a stolen
// database would give the numbers away. With the key kept outside the
// database, the table alone reveals nothing but the last four digits.
type Hasher struct {
	key []byte
}

// NewHasher returns a Hasher with key, which must be KeySize random bytes.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("pan: hasher key is %d bytes, want %d", len(key), KeySize)
	}
	return &Hasher{key: append([]byte(nil), key...)}, nil
}

// Sum returns the lookup key of n.
func (h *Hasher) Sum(n Number) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(n))
	return m.Sum(nil)
}

// ReadKeyFile reads a hasher key written as hex (64 characters, surrounding
// whitespace allowed), the format `issuer keys init` writes. The file must
// be closed to group and others (edge/secretfile): with the key, the card
// hashes in a copied database give the numbers away.
func ReadKeyFile(path string) (*Hasher, error) {
	b, err := secretfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("pan: read key file: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("pan: key file %s: not hex: %w", path, err)
	}
	h, err := NewHasher(key)
	if err != nil {
		return nil, fmt.Errorf("pan: key file %s: %w", path, err)
	}
	return h, nil
}

// ErrKeyExists is returned by WriteKeyFile when path already exists.
var ErrKeyExists = errors.New("pan: key file exists")

// WriteKeyFile writes key as hex to path with mode 0600, refusing to replace
// an existing file: a new key orphans every stored card hash.
func WriteKeyFile(path string, key []byte) error {
	if len(key) != KeySize {
		return fmt.Errorf("pan: key is %d bytes, want %d", len(key), KeySize)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%w: %s", ErrKeyExists, path)
		}
		return fmt.Errorf("pan: write key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("pan: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pan: write key file: %w", err)
	}
	return nil
}

// SubKey derives a separate 32-byte key for another purpose (label names
// it), so one secret file serves the card-number HMAC and, say, the risk
// engine's pseudonyms without the two ever sharing a key.
func (h *Hasher) SubKey(label string) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("honnin/subkey\x00" + label))
	return m.Sum(nil)
}
