package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestSealOpen(t *testing.T) {
	v, err := New(testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("cred:ABC")
	for _, pt := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("seed"), 100)} {
		s := v.Seal(pt, aad)
		if len(s) != header+len(pt)+16 || s[0] != 1 {
			t.Errorf("sealed %d bytes to %d (version %d)", len(pt), len(s), s[0])
		}
		got, err := v.Open(s, aad)
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("Open = %q, %v; want %q", got, err, pt)
		}
	}
	a, b := v.Seal([]byte("same"), aad), v.Seal([]byte("same"), aad)
	if bytes.Equal(a, b) {
		t.Error("two seals of the same plaintext are equal: nonce reused")
	}
	id := keyID(testKey(1))
	if !bytes.Equal(a[1:1+idSize], id[:]) {
		t.Error("key id is not the first 8 bytes of SHA-256 of the key")
	}
}

func TestOpenRefuses(t *testing.T) {
	v, _ := New(testKey(1))
	other, _ := New(testKey(2))
	aad := []byte("cred:ABC")
	s := v.Seal([]byte("secret"), aad)
	flip := func(i int) []byte { c := bytes.Clone(s); c[i] ^= 1; return c }
	tests := []struct {
		name   string
		v      *Vault
		sealed []byte
		aad    []byte
	}{
		{"wrong aad (moved to another row)", v, s, []byte("cred:XYZ")},
		{"no aad", v, s, nil},
		{"tampered ciphertext", v, flip(len(s) - 20), aad},
		{"tampered tag", v, flip(len(s) - 1), aad},
		{"tampered nonce", v, flip(1 + idSize), aad},
		{"tampered version", v, flip(0), aad},
		{"unknown key id", other, s, aad},
		{"truncated", v, s[:header-1], aad},
		{"empty", v, nil, aad},
	}
	for _, tt := range tests {
		if pt, err := tt.v.Open(tt.sealed, tt.aad); !errors.Is(err, ErrOpen) || pt != nil {
			t.Errorf("%s: Open = %q, %v; want ErrOpen", tt.name, pt, err)
		}
	}
}

func TestRotation(t *testing.T) {
	old, _ := New(testKey(1))
	sealedOld := old.Seal([]byte("old"), []byte("a"))
	v, err := New(testKey(2), testKey(1)) // new key first: it seals
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Open(sealedOld, []byte("a")); err != nil || string(got) != "old" {
		t.Errorf("old key's value: %q, %v", got, err)
	}
	sealedNew := v.Seal([]byte("new"), []byte("a"))
	id := keyID(testKey(2))
	if !bytes.Equal(sealedNew[1:1+idSize], id[:]) {
		t.Error("rotated vault does not seal with its first key")
	}
	if _, err := old.Open(sealedNew, []byte("a")); !errors.Is(err, ErrOpen) {
		t.Errorf("old vault opened a value of the new key: %v", err)
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		keys [][]byte
	}{
		{"no key", nil},
		{"short", [][]byte{make([]byte, 31)}},
		{"long", [][]byte{make([]byte, 33)}},
		{"AES-128 size", [][]byte{make([]byte, 16)}},
		{"second bad", [][]byte{testKey(1), make([]byte, 24)}},
		{"duplicate", [][]byte{testKey(1), testKey(1)}},
	}
	for _, tt := range tests {
		if _, err := New(tt.keys...); err == nil {
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	p1, p2 := filepath.Join(dir, "k1"), filepath.Join(dir, "k2")
	for _, p := range []string{p1, p2} {
		if err := WriteKeyFile(p); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(p1)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != KeySize {
		t.Fatalf("key file: %v, %v", fi.Mode(), err)
	}
	before, _ := os.ReadFile(p1)
	if err := WriteKeyFile(p1); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("overwrite: %v, want refusal", err)
	}
	if after, _ := os.ReadFile(p1); !bytes.Equal(before, after) {
		t.Error("refused overwrite changed the key")
	}
	v, err := Load(p1, p2)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := New(before)
	if got, err := v1.Open(v.Seal([]byte("s"), nil), nil); err != nil || string(got) != "s" {
		t.Errorf("Load did not seal with the first file's key: %q, %v", got, err)
	}

	write := func(name string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode) // WriteFile's mode passes through the umask
		return p
	}
	groupReadable, worldReadable := write("g", testKey(3), 0o640), write("o", testKey(3), 0o604)
	tests := []struct {
		name string
		path string
		want string
	}{
		{"group readable", groupReadable, "group or others (run: chmod 600 " + groupReadable + ")"},
		{"world readable", worldReadable, "group or others (run: chmod 600 " + worldReadable + ")"},
		{"short", write("s", make([]byte, 31), 0o600), "31 bytes"},
		{"hex text instead of raw", write("h", []byte(strings.Repeat("ab", 32)), 0o600), "64 bytes"},
		{"missing", filepath.Join(dir, "none"), "no such file"},
		{"directory", dir, "not a regular file"},
	}
	for _, tt := range tests {
		if _, err := Load(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Load = %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
}
