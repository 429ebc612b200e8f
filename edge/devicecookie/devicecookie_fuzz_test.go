package devicecookie

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRead: whatever Cookie header a browser sends, Read gives "" or a
// value the issuer accepts and that, set again, is the whole cookie value
// of its Set-Cookie (no attribute smuggled in).
func FuzzRead(f *testing.F) {
	for _, s := range []string{"honnin_device=d1.abc", "a=1; honnin_device=\"x\"", "honnin_device=a;Domain=x", "honnin_device=" + strings.Repeat("z", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Cookie", header)
		v := Read(r)
		if v == "" {
			return
		}
		if len(v) > 128 {
			t.Fatalf("Read = %d bytes", len(v))
		}
		w := httptest.NewRecorder()
		if !Set(w, v) {
			t.Fatalf("Read gave %q, which Set refuses", v)
		}
		c, err := http.ParseSetCookie(w.Header().Get("Set-Cookie"))
		if err != nil || c.Value != v || c.Path != "/" || c.Domain != "" || !c.Partitioned {
			t.Fatalf("Set-Cookie of %q reads as %+v, %v", v, c, err)
		}
	})
}
