// Package vault encrypts secrets at rest (TOTP seeds, pending email/SMS
// codes) with AES-256-GCM under keys kept outside the database.
//
// A sealed value is
//
//	version (1 byte, 1) | key id (8 bytes) | nonce (12 bytes) | ciphertext+tag
//
// The key id is the first 8 bytes of SHA-256 of the key, so Open finds the
// key that sealed a value and the keys can be rotated: the first key seals,
// every key opens. The additional data binds a secret to its row (callers
// pass e.g. issuer.AppSeedLabel(publicID)): a ciphertext copied to another row does not
// open. Nonces are random: at 2^32 seals per key the collision chance is
// 2^-33 (NIST SP 800-38D's limit), far beyond a card issuer's seed count.
package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/honnin/honnin/edge/secretfile"
)

// KeySize is the size of a vault key: AES-256.
const KeySize = 32

const (
	version   = 1
	idSize    = 8
	nonceSize = 12
	header    = 1 + idSize + nonceSize
)

// ErrOpen is returned for every sealed value that does not open: wrong
// aad, tampered, truncated, unknown key or version.
var ErrOpen = errors.New("vault: cannot open")

type key struct {
	id   [idSize]byte
	aead cipher.AEAD
}

// Vault seals and opens secrets. It is safe for concurrent use.
type Vault struct {
	keys []key // keys[0] seals
}

// keyID is the first 8 bytes of SHA-256 of k.
func keyID(k []byte) [idSize]byte {
	sum := sha256.Sum256(k)
	var id [idSize]byte
	copy(id[:], sum[:idSize])
	return id
}

// New returns a vault over keys (each KeySize bytes): the first seals, all
// open.
func New(keys ...[]byte) (*Vault, error) {
	if len(keys) == 0 {
		return nil, errors.New("vault: no key")
	}
	v := &Vault{}
	seen := map[[idSize]byte]bool{}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("vault: key %d is %d bytes, want %d", i+1, len(k), KeySize)
		}
		id := keyID(k)
		if seen[id] {
			return nil, fmt.Errorf("vault: key %d is given twice", i+1)
		}
		seen[id] = true
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("vault: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("vault: key %d: %w", i+1, err)
		}
		v.keys = append(v.keys, key{id: id, aead: aead})
	}
	return v, nil
}

// Load reads key files (see WriteKeyFile) and returns New over them, the
// first file's key sealing. A file must hold exactly KeySize raw bytes and
// must not be readable or writable by group or others.
func Load(paths ...string) (*Vault, error) {
	var keys [][]byte
	for _, p := range paths {
		k, err := readKeyFile(p)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return New(keys...)
}

func readKeyFile(path string) ([]byte, error) {
	k, err := secretfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("vault: key file: %w", err)
	}
	if len(k) != KeySize {
		return nil, fmt.Errorf("vault: key file %s holds %d bytes, want %d raw bytes", path, len(k), KeySize)
	}
	return k, nil
}

// WriteKeyFile writes a fresh random key to path, mode 0600. It refuses to
// overwrite an existing file: losing a key loses every secret sealed by it.
func WriteKeyFile(path string) error {
	k := make([]byte, KeySize)
	rand.Read(k)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("vault: key file %s exists; not overwriting it", path)
	}
	if err != nil {
		return fmt.Errorf("vault: write key file: %w", err)
	}
	if _, err := f.Write(k); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("vault: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("vault: write key file: %w", err)
	}
	return nil
}

// Seal encrypts plaintext under the first key, bound to aad.
func (v *Vault) Seal(plaintext, aad []byte) []byte {
	k := v.keys[0]
	out := make([]byte, header, header+len(plaintext)+k.aead.Overhead())
	out[0] = version
	copy(out[1:], k.id[:])
	rand.Read(out[1+idSize : header])
	return k.aead.Seal(out, out[1+idSize:header], plaintext, aad)
}

// Open decrypts a value Seal made with any of the vault's keys and the same
// aad. Every failure is ErrOpen (wrapped with what failed).
func (v *Vault) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < header {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrOpen, len(sealed))
	}
	if sealed[0] != version {
		return nil, fmt.Errorf("%w: version %d", ErrOpen, sealed[0])
	}
	id := sealed[1 : 1+idSize]
	for _, k := range v.keys {
		if !bytes.Equal(k.id[:], id) { // the key id is public: no need for constant time
			continue
		}
		pt, err := k.aead.Open(nil, sealed[1+idSize:header], sealed[header:], aad)
		if err != nil {
			return nil, fmt.Errorf("%w: authentication failed (wrong aad or tampered)", ErrOpen)
		}
		return pt, nil
	}
	return nil, fmt.Errorf("%w: unknown key id %x", ErrOpen, id)
}
