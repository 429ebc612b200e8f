package challenge

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGenerateAndLoadKeys(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKeys(dir, KEMXWing); err != nil {
		t.Fatal(err)
	}
	if err := GenerateKeys(dir, KEMXWing); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second GenerateKeys = %v, want refusal", err)
	}
	for _, f := range []string{IssuerSignFile, EdgeSignFile, EdgeSealFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	ik, err := LoadIssuerKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := LoadEdgeKeys(dir)
	if err != nil {
		t.Fatal(err)
	}

	// The issuer seals to the edge, the edge opens; the edge signs a call
	// token, the issuer verifies; the issuer signs, the edge verifies.
	s, err := ik.EdgeSeal.Seal("j", Payload{PM: "pm"})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ek.Seal.Open(s, "j"); err != nil || p.PM != "pm" {
		t.Fatalf("edge opens issuer seal: %+v %v", p, err)
	}
	call, err := Sign(ek.Sign, TypEdge, &EdgeClaims{registered(EdgeName, IssuerName, "a", "c", t0, t0.Add(time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	if err := (Verifier{Keys: ik.Edge, Issuer: EdgeName, Audience: IssuerName, Now: func() time.Time { return t0 }}).Verify(call, TypEdge, &EdgeClaims{}); err != nil {
		t.Fatalf("issuer verifies edge call: %v", err)
	}
	sess, err := Sign(ik.Sign, TypSession, &SessionClaims{registered(IssuerName, EdgeName, "a", "s", t0, t0.Add(time.Minute)), "http://localhost:8080", nil, nil, ""})
	if err != nil {
		t.Fatal(err)
	}
	if err := (Verifier{Keys: ek.Issuer, Issuer: IssuerName, Audience: EdgeName, Now: func() time.Time { return t0 }}).Verify(sess, TypSession, &SessionClaims{}); err != nil {
		t.Fatalf("edge verifies session: %v", err)
	}

	// The published JWKS has the issuer key, the edge key and the seal key,
	// and no private part.
	var doc struct{ Keys []map[string]any }
	if err := json.Unmarshal(ik.JWKS, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 3 {
		t.Fatalf("JWKS has %d keys, want 3", len(doc.Keys))
	}
	for _, k := range doc.Keys {
		if k["d"] != nil || k["priv"] != nil {
			t.Fatalf("JWKS leaks a private key: %v", k)
		}
	}
	set, err := ParseJWKS(ik.JWKS)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := set.Get(ek.Sign.KID); !ok {
		t.Fatal("published JWKS lacks the edge signing key")
	}
	if k, ok := set.Get(ik.Sign.KID); !ok || k.Signer != IssuerName {
		t.Fatalf("published JWKS: issuer key %+v, %v", k, ok)
	}
	if k, _ := set.Get(ek.Sign.KID); k.Signer != EdgeName {
		t.Fatalf("published JWKS: edge key signer %q", k.Signer)
	}

	// The issuer's key is in the same JWKS as the edge's: a result token it
	// signs (claiming iss = edge) must not verify for a merchant.
	forged, err := Sign(ik.Sign, TypResult, &ResultClaims{RegisteredClaims: registered(EdgeName, "http://localhost:8080", "a", "r", t0, t0.Add(time.Minute)), Status: "Y"})
	if err != nil {
		t.Fatal(err)
	}
	merchant := Verifier{Keys: set, Issuer: EdgeName, Audience: "http://localhost:8080", Now: func() time.Time { return t0 }}
	if err := merchant.Verify(forged, TypResult, &ResultClaims{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("result token signed with the issuer key: %v, want ErrInvalid", err)
	}
}

func TestLoadKeysErrors(t *testing.T) {
	good := t.TempDir()
	if err := GenerateKeys(good, KEMX25519); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := GenerateKeys(other, KEMX25519); err != nil {
		t.Fatal(err)
	}
	copyWith := func(t *testing.T, name string, content []byte) string {
		dir := t.TempDir()
		for _, f := range []string{IssuerSignFile, IssuerJWKSFile, EdgeSignFile, EdgeSealFile, EdgeJWKSFile} {
			b, err := os.ReadFile(filepath.Join(good, f))
			if err != nil {
				t.Fatal(err)
			}
			if f == name {
				b = content
			}
			if content != nil || f != name {
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		return dir
	}
	read := func(dir, f string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A private key whose d belongs to another key must not load.
	var mixed jwk
	if err := json.Unmarshal(read(good, EdgeSignFile), &mixed); err != nil {
		t.Fatal(err)
	}
	var donor jwk
	if err := json.Unmarshal(read(other, EdgeSignFile), &donor); err != nil {
		t.Fatal(err)
	}
	mixed.D = donor.D
	mixedB, _ := json.Marshal(mixed)

	tests := []struct {
		name, file string
		content    []byte
		load       func(string) error
		want       string
	}{
		{"issuer key missing", IssuerSignFile, nil, func(d string) error { _, err := LoadIssuerKeys(d); return err }, "keys init"},
		{"edge jwks garbage", EdgeJWKSFile, []byte("{"), func(d string) error { _, err := LoadIssuerKeys(d); return err }, EdgeJWKSFile},
		{"edge jwks without seal key", EdgeJWKSFile, read(good, IssuerJWKSFile), func(d string) error { _, err := LoadIssuerKeys(d); return err }, "seal key"},
		{"edge key d mismatch", EdgeSignFile, mixedB, func(d string) error { _, err := LoadEdgeKeys(d); return err }, "does not match"},
		{"issuer jwks empty", IssuerJWKSFile, []byte(`{"keys":[]}`), func(d string) error { _, err := LoadEdgeKeys(d); return err }, "no issuer"},
		{"seal key garbage", EdgeSealFile, []byte(`{"kty":"AKP","alg":"HPKE-P-256","kid":"x"}`), func(d string) error { _, err := LoadEdgeKeys(d); return err }, "unknown seal alg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.load(copyWith(t, tt.file, tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("load = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

// TestLoadKeysFileModes: a private key file open to group or others is
// refused, naming the file and the chmod that fixes it, by the loader
// that reads it (and by rotation, which reads them all); the public JWKS
// files are world-readable by design and load as they are.
func TestLoadKeysFileModes(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKeys(dir, KEMX25519); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{IssuerJWKSFile, EdgeJWKSFile} {
		if err := os.Chmod(filepath.Join(dir, f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	loadIssuer := func() error { _, err := LoadIssuerKeys(dir); return err }
	loadEdge := func() error { _, err := LoadEdgeKeys(dir); return err }
	rotate := func() error { return RotateKeys(dir, "", t0.Add(time.Hour), t0) }
	for _, load := range []func() error{loadIssuer, loadEdge} {
		if err := load(); err != nil {
			t.Fatalf("0600 private files, 0644 public ones: %v", err)
		}
	}
	tests := []struct {
		file  string
		mode  os.FileMode
		loads []func() error
	}{
		{IssuerSignFile, 0o644, []func() error{loadIssuer, rotate}},
		{EdgeSignFile, 0o640, []func() error{loadEdge, rotate}},
		{EdgeSealFile, 0o604, []func() error{loadEdge, rotate}},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.file)
		if err := os.Chmod(path, tt.mode); err != nil {
			t.Fatal(err)
		}
		for i, load := range tt.loads {
			if err := load(); err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
				t.Errorf("%s mode %04o, loader %d: %v, want refusal naming chmod 600 %s", tt.file, tt.mode, i, err, path)
			}
		}
		if err := os.Chmod(path, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Rotation rewrites the files: private ones 0600, public ones 0644.
	if err := RotateKeys(dir, "", time.Now().Add(time.Hour), time.Now()); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]os.FileMode{IssuerSignFile: 0o600, EdgeSignFile: 0o600, EdgeSealFile: 0o600, IssuerJWKSFile: 0o644, EdgeJWKSFile: 0o644} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("after rotation %s: mode %04o, want %04o", f, fi.Mode().Perm(), want)
		}
	}
}
