package api

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutingErrorsAreJSON(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/nope", 404, "not_found", ""},
		{"GET", "/v1/authentications", 405, "method_not_allowed", "POST"},
		{"DELETE", "/v1/authentications/abc", 405, "method_not_allowed", "GET, HEAD"},
		{"GET", "/internal/v1/results", 405, "method_not_allowed", "POST"},
		{"PUT", "/internal/v1/authentications/abc/start", 405, "method_not_allowed", "POST"},
		{"POST", "/.well-known/jwks.json", 405, "method_not_allowed", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := h.do(tt.method, tt.path, "", nil)
			expectError(t, rec, tt.status, tt.code)
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
		})
	}
}

// A 401 names the scheme (RFC 9110 §11.6.1); other errors do not.
func TestUnauthorizedNamesScheme(t *testing.T) {
	h := newHarness(t)
	const want = `Bearer realm="honnin-issuer"`
	rec := h.do("POST", "/v1/authentications", "", validCreate())
	expectError(t, rec, 401, "invalid_api_key")
	if got := rec.Header().Get("WWW-Authenticate"); got != want {
		t.Errorf("401 WWW-Authenticate %q, want %q", got, want)
	}
	rec = h.do("POST", "/v1/authentications", testAPIKey, `{`)
	expectError(t, rec, 400, "bad_request")
	if got := rec.Header().Get("WWW-Authenticate"); got != "" {
		t.Errorf("400 WWW-Authenticate %q", got)
	}
}

func TestPanicIsRecovered(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	h := s.logAndRecover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		var m map[string]int
		m["boom"]++ // nil map write: a real runtime panic
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	expectError(t, rec, 500, "internal")
	if !strings.Contains(logs.String(), "api: panic") || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("panic not logged with its stack: %s", logs.String())
	}

	// A panic after the header went out cannot change the status, but must
	// not crash either.
	h = s.logAndRecover(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		panic("late")
	}))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusAccepted {
		t.Errorf("status %d", rec.Code)
	}
}

func TestCode(t *testing.T) {
	seen := map[string]bool{}
	var first [10]int
	const n = 20000
	for range n {
		c := newCode()
		if len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
		first[c[0]-'0']++
	}
	// 20000 draws from 10^6 codes: ~200 collisions expected; far more means
	// a broken generator.
	if len(seen) < n-400 {
		t.Errorf("%d distinct codes of %d", len(seen), n)
	}
	// Each leading digit ~2000 times; a bias like always-0 shows at once.
	for d, k := range first {
		if k < 1600 || k > 2400 {
			t.Errorf("leading digit %d drawn %d times of %d", d, k, n)
		}
	}
	av, hash := newAV()
	if len(av) != 28 || len(hash) != 32 {
		t.Errorf("AV %q (%d), hash %d bytes", av, len(av), len(hash))
	}
}

func TestAPIKey(t *testing.T) {
	a, b := NewAPIKey(), NewAPIKey()
	if a == b || !strings.HasPrefix(a, "hk_") || len(a) < 40 {
		t.Errorf("keys %q %q", a, b)
	}
	if bytes.Equal(HashAPIKey(a), HashAPIKey(b)) || len(HashAPIKey(a)) != 32 {
		t.Error("HashAPIKey")
	}
}

func TestNewChecksConfig(t *testing.T) {
	h := newHarness(t)
	good := Config{Store: h.store, Keys: h.issuer, PAN: h.api.pan, Vault: h.vault, Mail: h.api.mail, EdgeURL: testEdgeURL}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
	broken := map[string]func(*Config){
		"no store":     func(c *Config) { c.Store = nil },
		"no PAN":       func(c *Config) { c.PAN = nil },
		"no mail":      func(c *Config) { c.Mail = nil },
		"no vault":     func(c *Config) { c.Vault = nil },
		"negative cap": func(c *Config) { c.SendCap = -1 },
		"no keys":      func(c *Config) { c.Keys.Sign.Private = nil },
		"no edge URL":  func(c *Config) { c.EdgeURL = "" },
		"relative URL": func(c *Config) { c.EdgeURL = "/edge" },
	}
	for name, f := range broken {
		c := good
		f(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: New accepted", name)
		}
	}
}
