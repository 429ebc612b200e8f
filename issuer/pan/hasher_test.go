package pan

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestHasher(t *testing.T) {
	h1, err := NewHasher(testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	h2, err := NewHasher(testKey(2))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Parse("3540 1234 5678 9016")
	b, _ := Parse("3540-1234-5678-9016")
	c, _ := Parse("3540123456789024")

	if !bytes.Equal(h1.Sum(a), h1.Sum(b)) {
		t.Error("same number in two spellings hashes differently")
	}
	if bytes.Equal(h1.Sum(a), h1.Sum(c)) {
		t.Error("two numbers hash the same")
	}
	if bytes.Equal(h1.Sum(a), h2.Sum(a)) {
		t.Error("the key does not change the hash")
	}
	plain := sha256.Sum256([]byte("3540123456789016"))
	if bytes.Equal(h1.Sum(a), plain[:]) {
		t.Error("hash is unkeyed")
	}
	m := hmac.New(sha256.New, testKey(1))
	m.Write([]byte("3540123456789016"))
	if want := m.Sum(nil); !bytes.Equal(h1.Sum(a), want) {
		t.Errorf("Sum = %x, want HMAC-SHA256 %x", h1.Sum(a), want)
	}
}

func TestNewHasherKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewHasher(make([]byte, n)); err == nil {
			t.Errorf("NewHasher(%d bytes) accepted", n)
		}
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pan.key")
	key := testKey(7)
	if err := WriteKeyFile(path, key); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFile(path, testKey(8)); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("second WriteKeyFile = %v, want ErrKeyExists", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	h, err := ReadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := NewHasher(key)
	n, _ := Parse("4111111111111111")
	if !bytes.Equal(h.Sum(n), want.Sum(n)) {
		t.Error("key read back differs from key written")
	}

	bad := []struct{ name, content string }{
		{"short", hex.EncodeToString(make([]byte, 16))},
		{"not hex", strings.Repeat("zz", KeySize)},
		{"empty", ""},
	}
	for _, tt := range bad {
		p := filepath.Join(dir, tt.name)
		if err := os.WriteFile(p, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadKeyFile(p); err == nil {
			t.Errorf("ReadKeyFile(%s) accepted", tt.name)
		}
	}
	// A key file others can read is refused, naming the fix.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Errorf("0644 key file: ReadKeyFile = %v, want refusal naming chmod 600", err)
	}
	if _, err := ReadKeyFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadKeyFile(missing) = %v, want ErrNotExist", err)
	}
}
