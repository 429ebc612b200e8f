// Package passhash hashes the cardholders' static passwords with argon2id
// (RFC 9106) in the PHC string format:
//
//	$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>
//
// (salt and hash in unpadded standard base64), the format of the reference
// implementation's argon2 tool, so hashes move between implementations.
// Verify reads the parameters from the string, so they can be raised later:
// old hashes keep verifying, and NeedsRehash says which to re-hash at the
// next successful check.
//
// Every hash is computed in a slot of a Budget (budget.go), which bounds
// the hashes at once and the callers waiting, per Lane: purchase checks
// first, then signed-in callers, then unauthenticated sign-ins, which are
// refused at once (ErrBusy) when their short queue is full.
package passhash

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The parameters of new hashes.
//
// Memory 64 MiB and 3 passes are RFC 9106 section 4's second recommended
// option (for when 2 GiB per hash is too much): memory is what makes a
// GPU or ASIC attack expensive, and 64 MiB per guess is well past the
// OWASP minimum (19 MiB, t=2). One lane (p=1) instead of the RFC's four:
// lanes only split the same work over threads, and a server already has a
// password check per request in flight, so p=1 keeps one check on one core
// and the cost per guess for an attacker the same. Measured here, a hash
// takes about 100-200 ms of one core: acceptable once per challenge, and
// the edge's 5 attempts per authentication bound it.
const (
	memoryKiB = 64 * 1024
	passes    = 3
	lanes     = 1
	saltLen   = 16 // 128 bits, RFC 9106
	keyLen    = 32 // 256 bits, RFC 9106
)

// Bounds on parameters read from a stored string, so a corrupt or hostile
// row cannot make Verify allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxPasses    = 64
	maxLanes     = 16
	minSaltLen   = 8
	minKeyLen    = 16
	maxKeyLen    = 64
)

// ErrMalformed: the encoded string is not an argon2id PHC string this
// package accepts.
var ErrMalformed = errors.New("passhash: malformed argon2id hash")

// key computes an argon2id hash. Callers hold a Budget's slot: each hash
// holds its memory (64 MiB) until done, so unbounded concurrency is a
// memory exhaustion attack.
func key(password string, salt []byte, t, m uint32, p uint8, n uint32) []byte {
	return argon2.IDKey([]byte(password), salt, t, m, p, n)
}

// keyFunc is key as computed in a slot.
type keyFunc func(password string, salt []byte, t, m uint32, p uint8, n uint32) []byte

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of password under a fresh random salt. It
// waits for a slot of the Default budget in the Account lane: for the
// operator's commands and seeding, whose process has no other hashing.
// Servers use a Budget's Hash with the request's context and lane.
func Hash(password string) (string, error) {
	return Default.Hash(context.Background(), Account, password)
}

func hash(password string, key keyFunc) (string, error) {
	if password == "" {
		return "", errors.New("passhash: empty password")
	}
	salt := make([]byte, saltLen)
	rand.Read(salt)
	h := key(password, salt, passes, memoryKiB, lanes, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, memoryKiB, passes, lanes, b64.EncodeToString(salt), b64.EncodeToString(h)), nil
}

// Verify reports whether password matches encoded, comparing in constant
// time. The error is for a malformed encoding (ErrMalformed) or a refused
// wait (ErrBusy); a wrong password is false, nil. Like Hash, it uses the
// Default budget's Account lane.
func Verify(password, encoded string) (bool, error) {
	if _, err := parse(encoded); err != nil {
		return false, err
	}
	return Default.Verify(context.Background(), Account, password, encoded)
}

func verify(password string, p params, key keyFunc) bool {
	h := key(password, p.salt, p.t, p.m, p.p, uint32(len(p.hash)))
	return subtle.ConstantTimeCompare(h, p.hash) == 1
}

// NeedsRehash reports whether encoded was made with other parameters than
// Hash uses now (or is malformed): re-hash the password at its next
// successful Verify.
func NeedsRehash(encoded string) bool {
	p, err := parse(encoded)
	return err != nil || p.m != memoryKiB || p.t != passes || p.p != lanes ||
		len(p.salt) != saltLen || len(p.hash) != keyLen
}

type params struct {
	m, t       uint32
	p          uint8
	salt, hash []byte
}

func parse(encoded string) (params, error) {
	var p params
	f := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return p, fmt.Errorf("%w: not $argon2id$v=..$m=..,t=..,p=..$salt$hash", ErrMalformed)
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, fmt.Errorf("%w: version %q, want v=%d", ErrMalformed, f[2], argon2.Version)
	}
	kv := strings.Split(f[3], ",")
	if len(kv) != 3 {
		return p, fmt.Errorf("%w: parameters %q", ErrMalformed, f[3])
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || v != strconv.FormatUint(n, 10) {
			return p, fmt.Errorf("%w: parameter %q, want %s=<number>", ErrMalformed, kv[i], name)
		}
		vals[i] = n
	}
	m, t, l := vals[0], vals[1], vals[2]
	switch {
	case l < 1 || l > maxLanes:
		return p, fmt.Errorf("%w: p=%d out of 1..%d", ErrMalformed, l, maxLanes)
	case m < 8*l || m > maxMemoryKiB:
		return p, fmt.Errorf("%w: m=%d out of 8p..%d", ErrMalformed, m, maxMemoryKiB)
	case t < 1 || t > maxPasses:
		return p, fmt.Errorf("%w: t=%d out of 1..%d", ErrMalformed, t, maxPasses)
	}
	salt, err := b64.Strict().DecodeString(f[4])
	if err != nil || len(salt) < minSaltLen {
		return p, fmt.Errorf("%w: salt", ErrMalformed)
	}
	hash, err := b64.Strict().DecodeString(f[5])
	if err != nil || len(hash) < minKeyLen || len(hash) > maxKeyLen {
		return p, fmt.Errorf("%w: hash", ErrMalformed)
	}
	return params{m: uint32(m), t: uint32(t), p: uint8(l), salt: salt, hash: hash}, nil
}
