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
