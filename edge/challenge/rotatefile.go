package challenge

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// keyFolder is the five files of a development key folder (keys init's),
// read as rotations.
type keyFolder struct {
	dir          string
	issuer, edge []SigningKey
	seal         []SealKey
}

func readKeyFolder(dir string) (keyFolder, error) {
	f := keyFolder{dir: dir}
	now := time.Now()
	for _, name := range []string{IssuerSignFile, EdgeSignFile, EdgeSealFile} {
		b, err := readKeyFile(dir, name)
		if err != nil {
			return f, err
		}
		switch name {
		case IssuerSignFile, EdgeSignFile:
			k, err := parseSigningKeys(b, now)
			if err != nil {
				return f, fmt.Errorf("challenge: %s: %w", name, err)
			}
			if name == IssuerSignFile {
				f.issuer = k.Rotation()
			} else {
				f.edge = k.Rotation()
			}
		case EdgeSealFile:
			k, err := parseSealKeys(b, now)
			if err != nil {
				return f, fmt.Errorf("challenge: %s: %w", name, err)
			}
			f.seal = k.Ring()
		}
	}
	return f, nil
}

// RotateKeys adds a new issuer signing key, edge signing key and edge seal
// key to the key folder dir (all five files, as keys init wrote them), each
// used from activate on. Until then the files, and so the issuer's JWKS and
// the edge, publish and hold them without using them. The seal key is of
// kem, or of the current seal key's KEM when kem is "". A rotation whose
// keys are not yet in use is refused: one step at a time.
func RotateKeys(dir string, kem KEM, activate, now time.Time) error {
	f, err := readKeyFolder(dir)
	if err != nil {
		return err
	}
	for _, nbf := range f.notBefores() {
		if nbf.After(now) {
			return fmt.Errorf("challenge: rotate keys: a rotation is under way (keys in use from %s); prune or wait until then",
				nbf.Format(time.RFC3339))
		}
	}
	if !activate.After(now) {
		return fmt.Errorf("challenge: rotate keys: the new keys must start after now (JWKS caches); got %s", activate.Format(time.RFC3339))
	}
	if kem == "" {
		kem = f.seal[len(f.seal)-1].KEM
	}
	is, es, seal, err := newKeys(kem)
	if err != nil {
		return err
	}
	is.NotBefore, es.NotBefore, seal.NotBefore = activate, activate, activate
	f.issuer = append(f.issuer, is)
	f.edge = append(f.edge, es)
	f.seal = append(f.seal, seal)
	return f.write()
}

// PruneKeys drops from the key folder dir every key whose successor has
// been in use for RetireAfter, so no live token was signed or sealed with
// it, and returns their kids. The key in use and any next key stay.
func PruneKeys(dir string, now time.Time) ([]string, error) {
	f, err := readKeyFolder(dir)
	if err != nil {
		return nil, err
	}
	var dropped []string
	f.issuer = pruneSigning(f.issuer, now, &dropped)
	f.edge = pruneSigning(f.edge, now, &dropped)
	nbfs := make([]time.Time, len(f.seal))
	for i, k := range f.seal {
		nbfs[i] = k.NotBefore
	}
	var keep []SealKey
	for i, gone := range Retired(nbfs, now) {
		if gone {
			dropped = append(dropped, f.seal[i].KID)
		} else {
			keep = append(keep, f.seal[i])
		}
	}
	f.seal = keep
	if len(dropped) == 0 {
		return nil, nil
	}
	return dropped, f.write()
}

func pruneSigning(ks []SigningKey, now time.Time, dropped *[]string) []SigningKey {
	nbfs := make([]time.Time, len(ks))
	for i, k := range ks {
		nbfs[i] = k.NotBefore
	}
	var keep []SigningKey
	for i, gone := range Retired(nbfs, now) {
		if gone {
			*dropped = append(*dropped, ks[i].KID)
		} else {
			keep = append(keep, ks[i])
		}
	}
	return keep
}

func (f keyFolder) notBefores() []time.Time {
	var out []time.Time
	for _, k := range f.issuer {
		out = append(out, k.NotBefore)
	}
	for _, k := range f.edge {
		out = append(out, k.NotBefore)
	}
	for _, k := range f.seal {
		out = append(out, k.NotBefore)
	}
	return out
}

// write writes the folder's five files, the public ones first: a crash
// between files leaves a key published but not held, never held (and
// used) but not published.
func (f keyFolder) write() error {
	var issuerPubs, edgePubs []PublicKey
	for _, k := range f.issuer {
		issuerPubs = append(issuerPubs, k.Public())
	}
	for _, k := range f.edge {
		edgePubs = append(edgePubs, k.Public())
	}
	var sealPubs []SealPublicKey
	for _, k := range f.seal {
		sealPubs = append(sealPubs, k.Public())
	}
	issuerJWKS, err := JWKS(issuerPubs, nil)
	if err != nil {
		return err
	}
	edgeJWKS, err := JWKS(edgePubs, sealPubs)
	if err != nil {
		return err
	}
	var issuerJWK, edgeJWK, sealJWK []jwk
	for _, k := range f.issuer {
		issuerJWK = append(issuerJWK, k.jwk())
	}
	for _, k := range f.edge {
		edgeJWK = append(edgeJWK, k.jwk())
	}
	for _, k := range f.seal {
		j, err := k.jwk()
		if err != nil {
			return err
		}
		sealJWK = append(sealJWK, j)
	}
	files := []struct {
		name string
		v    any
		mode fs.FileMode
	}{
		{IssuerJWKSFile, json.RawMessage(issuerJWKS), 0o644},
		{EdgeJWKSFile, json.RawMessage(edgeJWKS), 0o644},
		{IssuerSignFile, keyFileContent(issuerJWK), 0o600},
		{EdgeSignFile, keyFileContent(edgeJWK), 0o600},
		{EdgeSealFile, keyFileContent(sealJWK), 0o600},
	}
	for _, file := range files {
		b, err := json.MarshalIndent(file.v, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(f.dir, file.name), append(b, '\n'), file.mode); err != nil {
			return fmt.Errorf("challenge: write keys: %w", err)
		}
	}
	return nil
}

// keyFileContent is one key as keys init writes it, or a rotation as a JWK
// set.
func keyFileContent(js []jwk) any {
	if len(js) == 1 && js[0].NBF == 0 {
		return js[0]
	}
	return struct {
		Keys []jwk `json:"keys"`
	}{js}
}

// writeFileAtomic replaces path with b: a reader sees the old file or the
// new one, never half of one.
func writeFileAtomic(path string, b []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
