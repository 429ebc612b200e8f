package challenge

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	is, err := NewSigningKey(IssuerName)
	if err != nil {
		return err
	}
	es, err := NewSigningKey(EdgeName)
	if err != nil {
		return err
	}
	seal, err := NewSealKey(k)
	if err != nil {
		return err
	}
	issuerJWKS, err := JWKS([]PublicKey{is.Public()}, nil)
	if err != nil {
		return err
	}
	edgeJWKS, err := JWKS([]PublicKey{es.Public()}, []SealPublicKey{seal.Public()})
	if err != nil {
		return err
	}
	sealJWK, err := seal.jwk()
	if err != nil {
		return err
	}
	files := []struct {
		name string
		v    any
		mode fs.FileMode
	}{
		{IssuerSignFile, is.jwk(), 0o600},
		{EdgeSignFile, es.jwk(), 0o600},
		{EdgeSealFile, sealJWK, 0o600},
		{IssuerJWKSFile, json.RawMessage(issuerJWKS), 0o644},
		{EdgeJWKSFile, json.RawMessage(edgeJWKS), 0o644},
	}
	for _, f := range files {
		b, err := json.MarshalIndent(f.v, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), append(b, '\n'), f.mode); err != nil {
			return fmt.Errorf("challenge: generate keys: %w", err)
		}
	}
	return nil
}

func (k SigningKey) jwk() jwk {
	j := k.Public().jwk()
	j.D = b64.EncodeToString(k.Private.Seed())
	return j
}

// LoadIssuerKeys reads the issuer's keys from dir.
func LoadIssuerKeys(dir string) (IssuerKeys, error) {
	var j jwk
	if err := readJSON(dir, IssuerSignFile, &j); err != nil {
		return IssuerKeys{}, err
	}
	sign, err := j.signingKey()
	if err != nil {
		return IssuerKeys{}, fmt.Errorf("challenge: %s: %w", IssuerSignFile, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, EdgeJWKSFile))
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
	// The newest seal key is listed last: seal to it.
	published, err := JWKS(append([]PublicKey{sign.Public()}, edgeSign...), edgeSeal)
	if err != nil {
		return IssuerKeys{}, err
	}
	return IssuerKeys{Sign: sign, Edge: NewKeySet(edgeSign...), EdgeSeal: edgeSeal[len(edgeSeal)-1], JWKS: published}, nil
}

// LoadEdgeKeys reads the edge's keys from dir.
func LoadEdgeKeys(dir string) (EdgeKeys, error) {
	var files [3][]byte
	for i, name := range []string{EdgeSignFile, EdgeSealFile, IssuerJWKSFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return EdgeKeys{}, fmt.Errorf("challenge: %s missing in %s (run: issuer keys init -dir %s)", name, dir, dir)
		}
		if err != nil {
			return EdgeKeys{}, fmt.Errorf("challenge: load edge keys: %w", err)
		}
		files[i] = b
	}
	return ParseEdgeKeys(files[0], files[1], files[2])
}

// ParseEdgeKeys parses the contents of the edge's three key files
// (edge-sign.jwk, edge-seal.jwk, issuer.jwks). The Workers edge gets them
// as secrets, not files.
func ParseEdgeKeys(signJWK, sealJWK, issuerJWKS []byte) (EdgeKeys, error) {
	var sj, xj jwk
	if err := json.Unmarshal(signJWK, &sj); err != nil {
		return EdgeKeys{}, fmt.Errorf("challenge: %s: %w", EdgeSignFile, err)
	}
	sign, err := sj.signingKey()
	if err != nil {
		return EdgeKeys{}, fmt.Errorf("challenge: %s: %w", EdgeSignFile, err)
	}
	if err := json.Unmarshal(sealJWK, &xj); err != nil {
		return EdgeKeys{}, fmt.Errorf("challenge: %s: %w", EdgeSealFile, err)
	}
	seal, err := xj.sealKey()
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

func readJSON(dir, name string, v any) error {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("challenge: %s missing in %s (run: issuer keys init -dir %s)", name, dir, dir)
		}
		return fmt.Errorf("challenge: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("challenge: %s: %w", name, err)
	}
	return nil
}
