package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/api"
	"github.com/honnin/honnin/edge/ledger"
)

// TestRequestRefused: what every endpoint refuses before looking at tokens.
func TestRequestRefused(t *testing.T) {
	e := newEnv(t)
	tok := e.start("auth-q").ChallengeToken
	huge := `{"challenge_token":"` + strings.Repeat("a", 70<<10) + `","code":"123456"}`
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
	}{
		{"GET", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/v1/verify", nil) }, http.StatusMethodNotAllowed, "method_not_allowed"},
		{"PUT", func() *http.Request {
			r := jsonRequest("/v1/start", `{}`)
			r.Method = http.MethodPut
			return r
		}, http.StatusMethodNotAllowed, "method_not_allowed"},
		{"no content type", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/v1/verify", strings.NewReader(`{"challenge_token":"x","code":"123456"}`))
		}, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"form post", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/v1/cancel", strings.NewReader(`challenge_token=x`))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"oversized body", func() *http.Request { return jsonRequest("/v1/verify", huge) }, http.StatusRequestEntityTooLarge, "too_large"},
		{"unknown field", func() *http.Request {
			return jsonRequest("/v1/verify", map[string]string{"challenge_token": tok, "code": "123456", "admin": "true"})
		}, http.StatusBadRequest, "bad_request"},
		{"unknown device field", func() *http.Request {
			return jsonRequest("/v1/start", map[string]any{"session_token": "x", "device": map[string]any{"gps": "35,139"}})
		}, http.StatusBadRequest, "bad_request"},
		{"device signal too long", func() *http.Request {
			return jsonRequest("/v1/start", map[string]any{"session_token": "x", "device": map[string]any{"ua": strings.Repeat("x", 513)}})
		}, http.StatusBadRequest, "bad_request"},
		{"device signal out of range", func() *http.Request {
			return jsonRequest("/v1/start", map[string]any{"session_token": "x", "device": map[string]any{"languages": make([]string, 17)}})
		}, http.StatusBadRequest, "bad_request"},
		{"missing code", func() *http.Request {
			return jsonRequest("/v1/verify", map[string]string{"challenge_token": tok})
		}, http.StatusBadRequest, "bad_request"},
		{"missing token", func() *http.Request { return jsonRequest("/v1/cancel", `{}`) }, http.StatusBadRequest, "bad_request"},
		{"null", func() *http.Request { return jsonRequest("/v1/resend", `null`) }, http.StatusBadRequest, "bad_request"},
		{"empty body", func() *http.Request { return jsonRequest("/v1/start", ``) }, http.StatusBadRequest, "bad_request"},
		{"malformed JSON", func() *http.Request { return jsonRequest("/v1/verify", `{"challenge_token":`) }, http.StatusBadRequest, "bad_request"},
		{"wrong type", func() *http.Request {
			return jsonRequest("/v1/verify", `{"challenge_token":"x","code":123456}`)
		}, http.StatusBadRequest, "bad_request"},
		{"two objects", func() *http.Request {
			return jsonRequest("/v1/cancel", `{"challenge_token":"x"}{"challenge_token":"y"}`)
		}, http.StatusBadRequest, "bad_request"},
		{"array", func() *http.Request { return jsonRequest("/v1/cancel", `[]`) }, http.StatusBadRequest, "bad_request"},
		{"unknown path", func() *http.Request { return jsonRequest("/v1/nope", `{}`) }, http.StatusNotFound, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := e.do(tt.req())
			want(t, tt.name, rep, tt.status, tt.code)
		})
	}
	// None of it touched the authentication.
	if rep := e.verify(tok, wrongCode); rep.Display == nil || rep.Display.AttemptsLeft != 4 {
		t.Errorf("after refused requests, a wrong code leaves %+v, want 4", rep.Display)
	}
}

func TestMethodNotAllowedHeader(t *testing.T) {
	e := newEnv(t)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/start", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

// panicky is a ledger that panics, standing in for any bug below the
// handler.
type panicky struct{ api.Ledger }

func (panicky) Lookup(context.Context, string) (ledger.Entry, error) { panic("boom") }

func (panicky) Count(context.Context, ledger.Challenge, int, ledger.Queued, time.Time, time.Time) (ledger.Try, error) {
	panic("boom")
}

func TestPanicIsJSON500(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.Ledger = panicky{c.Ledger} })
	tok := e.m.challenge(t, "auth-p", 1)
	want(t, "verify", e.verify(tok, "123456"), http.StatusInternalServerError, "internal")
	if !bytes.Contains(e.logs.Bytes(), []byte("boom")) {
		t.Errorf("panic not logged: %s", e.logs)
	}
}

func TestNewRequires(t *testing.T) {
	e := newEnv(t)
	full := api.Config{Keys: e.edge, Ledger: e.ledger, Issuer: issuerClient(t, "http://127.0.0.1:1", e.edge.Sign, nil), Reports: e.reports}
	for name, mut := range map[string]func(*api.Config){
		"keys":    func(c *api.Config) { c.Keys.Seal.Private = nil },
		"ledger":  func(c *api.Config) { c.Ledger = nil },
		"issuer":  func(c *api.Config) { c.Issuer = nil },
		"reports": func(c *api.Config) { c.Reports = nil },
	} {
		c := full
		mut(&c)
		if _, err := api.New(c); err == nil {
			t.Errorf("New without %s succeeded", name)
		}
	}
	if _, err := api.New(full); err != nil {
		t.Errorf("New: %v", err)
	}
}
