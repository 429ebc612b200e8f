package devicecookie

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHeader: the Set-Cookie is the design's, attribute for attribute, and
// net/http reads it back as such.
func TestHeader(t *testing.T) {
	const want = "honnin_device=d1.AbC-_9; Path=/; Max-Age=34560000; Secure; HttpOnly; SameSite=None; Partitioned"
	if got := Header("d1.AbC-_9"); got != want {
		t.Fatalf("Header = %q\nwant %q", got, want)
	}
	c, err := http.ParseSetCookie(want)
	if err != nil || c.Value != "d1.AbC-_9" || c.MaxAge != 34560000 || !c.Partitioned || c.SameSite != http.SameSiteNoneMode {
		t.Errorf("read back as %+v, %v", c, err)
	}
}

func TestReadSet(t *testing.T) {
	max := "d1." + strings.Repeat("x", 125)
	for _, tt := range []struct {
		name, header, read string
	}{
		{"none", "", ""},
		{"only others", "a=1; b=2", ""},
		{"among others", "a=1; honnin_device=d1.v; b=2", "d1.v"},
		{"128 bytes", "honnin_device=" + max, max},
		{"129 bytes", "honnin_device=" + max + "x", ""},
		{"empty", "honnin_device=", ""},
		{"quoted", `honnin_device="d1.q"`, "d1.q"},
		{"first of two", "honnin_device=d1.a; honnin_device=d1.b", "d1.a"},
		{"other name", "honnin_device_x=d1.v", ""},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		if tt.header != "" {
			r.Header.Set("Cookie", tt.header)
		}
		if got := Read(r); got != tt.read {
			t.Errorf("%s: Read = %q, want %q", tt.name, got, tt.read)
		}
	}
	for _, tt := range []struct {
		value string
		set   bool
	}{
		{"d1.ok", true},
		{max, true},
		{max + "x", false},
		{"", false},
		{"a;b", false},
		{"a b", false},
		{`a"b`, false},
		{"a,b", false},
		{`a\b`, false},
		{"a\x7fb", false},
		{"aé", false},
	} {
		w := httptest.NewRecorder()
		if got := Set(w, tt.value); got != tt.set || (len(w.Header().Values("Set-Cookie")) == 1) != tt.set {
			t.Errorf("Set(%q) = %v, header %q; want %v", tt.value, got, w.Header().Values("Set-Cookie"), tt.set)
		}
	}
}
