package challenge

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/honnin/honnin/edge/secretfile"
)

// Key file names. In production the issuer's folder holds issuer-sign.jwk and
// edge.jwks, the edge's folder holds edge-sign.jwk, edge-seal.jwk and
// issuer.jwks; for development one folder holds all five.
const (
	IssuerSignFile = "issuer-sign.jwk"
	IssuerJWKSFile = "issuer.jwks"
	EdgeSignFile   = "edge-sign.jwk"
	EdgeSealFile   = "edge-seal.jwk"
	EdgeJWKSFile   = "edge.jwks"
)

// IssuerKeys is what the issuer process holds.
type IssuerKeys struct {
	Sign SigningKey
	// Edge verifies the edge's call tokens.
	Edge *KeySet
	// EdgeSeal is where challenge payloads are sealed to.
	EdgeSeal SealPublicKey
	// JWKS is the document the issuer publishes: its own and the edge's
	// public keys, so a merchant verifies result tokens with one fetch.
	JWKS []byte
}

// EdgeKeys is what the edge holds.
type EdgeKeys struct {
	Sign   SigningKey
	Seal   SealKey
	Issuer *KeySet
}

// GenerateKeys writes a fresh set of all five key files into dir. It refuses
// to overwrite: replacing a key silently would invalidate every live token.
func GenerateKeys(dir string, k KEM) error {
	for _, name := range []string{IssuerSignFile, IssuerJWKSFile, EdgeSignFile, EdgeSealFile, EdgeJWKSFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return fmt.Errorf("challenge: generate keys: %s already exists", filepath.Join(dir, name))
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("challenge: generate keys: %w", err)
	}
	is, es, seal, err := newKeys(k)
	if err != nil {
		return err
	}
	return keyFolder{dir: dir, issuer: []SigningKey{is}, edge: []SigningKey{es}, seal: []SealKey{seal}}.write()
}

// newKeys makes an issuer signing key, an edge signing key and an edge
// seal key of kem: what keys init writes and keys rotate adds.
func newKeys(kem KEM) (is, es SigningKey, seal SealKey, err error) {
	if is, err = NewSigningKey(IssuerName); err != nil {
		return
	}
	if es, err = NewSigningKey(EdgeName); err != nil {
		return
	}
	seal, err = NewSealKey(kem)
	return
}

func (k SigningKey) jwk() jwk {
	j := k.Public().jwk()
	j.D = b64.EncodeToString(k.Private.Seed())
	return j
}

// LoadIssuerKeys reads the issuer's keys from dir. issuer-sign.jwk may
// hold one key or a rotation (rotation.go); edge.jwks lists every edge key
// in use or about to be. The JWKS it returns publishes them all, so a key
// is known to verifiers from the moment the files hold it.
func LoadIssuerKeys(dir string) (IssuerKeys, error) {
	b, err := readKeyFile(dir, IssuerSignFile)
	if err != nil {
		return IssuerKeys{}, err
	}
	now := time.Now()
	sign, err := parseSigningKeys(b, now)
	if err != nil {
		return IssuerKeys{}, fmt.Errorf("challenge: %s: %w", IssuerSignFile, err)
	}
	b, err = os.ReadFile(filepath.Join(dir, EdgeJWKSFile))
	if err != nil {
		return IssuerKeys{}, fmt.Errorf("challenge: load issuer keys: %w", err)
	}
	edgeSign, edgeSeal, err := parseJWKS(b)
	if err != nil {
		return IssuerKeys{}, fmt.Errorf("challenge: %s: %w", EdgeJWKSFile, err)
	}
	if len(edgeSign) == 0 || len(edgeSeal) == 0 {
		return IssuerKeys{}, fmt.Errorf("challenge: %s: needs an edge signing key and a seal key", EdgeJWKSFile)
	}
	// Without nbf members the newest seal key is listed last: seal to it.
	seal, err := NewSealRotation(edgeSeal, now)
	if err != nil {
		return IssuerKeys{}, err
	}
	published, err := JWKS(append(sign.PublicKeys(), edgeSign...), edgeSeal)
	if err != nil {
		return IssuerKeys{}, err
	}
	return IssuerKeys{Sign: sign, Edge: NewKeySet(edgeSign...), EdgeSeal: seal, JWKS: published}, nil
}

// LoadEdgeKeys reads the edge's keys from dir.
func LoadEdgeKeys(dir string) (EdgeKeys, error) {
	var files [3][]byte
	for i, name := range []string{EdgeSignFile, EdgeSealFile, IssuerJWKSFile} {
		b, err := readKeyFile(dir, name)
		if err != nil {
			return EdgeKeys{}, err
		}
		files[i] = b
	}
	return ParseEdgeKeys(files[0], files[1], files[2])
}

// ParseEdgeKeys parses the contents of the edge's three key files
// (edge-sign.jwk, edge-seal.jwk, issuer.jwks). The Workers edge gets them
// as secrets, not files. The two private ones may each hold one key or a
// rotation: the edge then signs with the key in use and opens seals made
// to any key it holds.
func ParseEdgeKeys(signJWK, sealJWK, issuerJWKS []byte) (EdgeKeys, error) {
	now := time.Now()
	sign, err := parseSigningKeys(signJWK, now)
	if err != nil {
		return EdgeKeys{}, fmt.Errorf("challenge: %s: %w", EdgeSignFile, err)
	}
	seal, err := parseSealKeys(sealJWK, now)
	if err != nil {
		return EdgeKeys{}, fmt.Errorf("challenge: %s: %w", EdgeSealFile, err)
	}
	issuer, err := ParseJWKS(issuerJWKS)
	if err != nil {
		return EdgeKeys{}, fmt.Errorf("challenge: %s: %w", IssuerJWKSFile, err)
	}
	if len(issuer.keys) == 0 {
		return EdgeKeys{}, fmt.Errorf("challenge: %s: no issuer signing key", IssuerJWKSFile)
	}
	return EdgeKeys{Sign: sign, Seal: seal, Issuer: issuer}, nil
}

// parseSigningKeys reads a private signing key file: one key, or a
// rotation, returned as its key in use at now.
func parseSigningKeys(b []byte, now time.Time) (SigningKey, error) {
	js, err := parseKeyFile(b)
	if err != nil {
		return SigningKey{}, err
	}
	keys := make([]SigningKey, len(js))
	for i, j := range js {
		if keys[i], err = j.signingKey(); err != nil {
			return SigningKey{}, err
		}
	}
	return NewRotation(keys, now)
}

// parseSealKeys reads a private seal key file: one key, or a rotation.
func parseSealKeys(b []byte, now time.Time) (SealKey, error) {
	js, err := parseKeyFile(b)
	if err != nil {
		return SealKey{}, err
	}
	keys := make([]SealKey, len(js))
	for i, j := range js {
		if keys[i], err = j.sealKey(); err != nil {
			return SealKey{}, err
		}
	}
	return NewSealKeyRing(keys, now)
}

// readKeyFile reads one of the key folder's files. The private ones must
// be closed to group and others (edge/secretfile); the public JWKS are
// read as they are.
func readKeyFile(dir, name string) ([]byte, error) {
	read := secretfile.Read
	if name == IssuerJWKSFile || name == EdgeJWKSFile {
		read = os.ReadFile
	}
	b, err := read(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("challenge: %s missing in %s (run: issuer keys init -dir %s)", name, dir, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("challenge: load keys: %w", err)
	}
	return b, nil
}
