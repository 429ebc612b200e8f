package device

import (
	"encoding/base64"
	"strings"
	"testing"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestCookiesRoundTrip(t *testing.T) {
	c := NewCookies(testKey)
	seen := make(map[string]bool)
	for range 100 {
		v, id := c.Mint()
		if !strings.HasPrefix(v, "d1.") || len(v) != 3+43 {
			t.Fatalf("Mint = %q: want d1. and 43 base64url characters", v)
		}
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(raw) != 16 {
			t.Fatalf("id %q is not base64url of 16 bytes: %v", id, err)
		}
		got, ok := c.Open(v)
		if !ok || got != id {
			t.Fatalf("Open(Mint) = %q, %v; want %q, true", got, ok, id)
		}
		if seen[id] {
			t.Fatalf("id %q minted twice", id)
		}
		seen[id] = true
	}
}

// TestCookiesFormat: the value is the id and the truncated HMAC of the
// label and the id, as issue 15's design fixes it (a value minted by this
// version must open in the next).
func TestCookiesFormat(t *testing.T) {
	c := NewCookies(testKey)
	var id [16]byte
	for i := range id {
		id[i] = byte(i)
	}
	const want = "d1.AAECAwQFBgcICQoLDA0ODylwB4KF4HQWYIcRyVIPfZc" // by Python's hmac, hashlib and base64
	if got := c.value(id); got != want {
		t.Errorf("value = %s, want %s", got, want)
	}
	if got, ok := c.Open(want); !ok || got != "AAECAwQFBgcICQoLDA0ODw" {
		t.Errorf("Open = %q, %v", got, ok)
	}
}

func TestCookiesRefuse(t *testing.T) {
	c := NewCookies(testKey)
	v, _ := c.Mint()
	other := NewCookies([]byte("another key, also long enough"))
	ov, _ := other.Mint()
	payload := strings.TrimPrefix(v, "d1.")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		return "d1." + base64.RawURLEncoding.EncodeToString(b)
	}
	// The last character carries 2 unused bits: another character with the
	// same 4 used bits decodes to the same bytes.
	last := payload[len(payload)-1]
	alias := payload[:len(payload)-1] + string(base64Alias(last))
	var allOnes [16]byte
	for i := range allOnes {
		allOnes[i] = 0xff
	}
	ones := c.value(allOnes) // d1.____…: base64url's own characters
	if _, ok := c.Open(ones); !ok {
		t.Fatalf("Open(%q) refused", ones)
	}
	tests := []struct{ name, v string }{
		{"empty", ""},
		{"prefix only", "d1."},
		{"no prefix", payload},
		{"another version", "d2." + payload},
		{"upper-case prefix", "D1." + payload},
		{"another key", ov},
		{"MAC changed", flip(31)},
		{"MAC changed, first byte", flip(16)},
		{"id changed", flip(0)},
		{"truncated by one", v[:len(v)-1]},
		{"truncated to the id", "d1." + base64.RawURLEncoding.EncodeToString(raw[:16])},
		{"one more character", v + "A"},
		{"padded", v + "="},
		{"standard base64", strings.NewReplacer("-", "+", "_", "/").Replace(ones)},
		{"a longer MAC", "d1." + base64.RawURLEncoding.EncodeToString(append(append([]byte(nil), raw...), 0))},
		{"a newline inside", v[:20] + "\n" + v[20:len(v)-1]},
		{"another encoding of the same bytes", "d1." + alias},
		{"spaces", " " + v},
		{"not base64", "d1." + strings.Repeat("!", 43)},
	}
	for _, tt := range tests {
		if tt.v == v {
			t.Fatalf("%s: the test value is the minted one", tt.name)
		}
		if id, ok := c.Open(tt.v); ok || id != "" {
			t.Errorf("%s: Open(%q) = %q, %v; want refused", tt.name, tt.v, id, ok)
		}
	}
}

// base64Alias returns another base64url character with the same upper 4
// bits as ch.
func base64Alias(ch byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, ch)
	return alphabet[i^1]
}

func TestNewCookiesShortKey(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewCookies with a 15-byte key did not panic")
		}
	}()
	NewCookies(make([]byte, 15))
}

func TestNewCookiesCopiesKey(t *testing.T) {
	key := append([]byte(nil), testKey...)
	c := NewCookies(key)
	v, _ := c.Mint()
	key[0] ^= 1
	if _, ok := c.Open(v); !ok {
		t.Error("changing the caller's key slice changed the Cookies' key")
	}
}
