//go:build !js

package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/assets"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/server"
	"github.com/honnin/honnin/web"
)

const (
	wasmName = "challenge.0123456789ab.wasm"
	execName = "wasm_exec.0123456789ab.js"
)

// dist is a client build as web/build-client.sh writes it.
func dist() fstest.MapFS {
	return fstest.MapFS{
		"manifest.json": {Data: []byte(`{"wasm":"` + wasmName + `","wasm_exec":"` + execName + `"}`)},
		wasmName:        {Data: []byte("\x00asm")},
		execName:        {Data: []byte("// go")},
	}
}

// config is what a main passes over a fresh SQLite ledger: with the
// client build (native), or with only its names (Workers).
func config(t *testing.T, withDist bool) (server.Config, *sqlite.Ledger) {
	t.Helper()
	dir := t.TempDir()
	if err := challenge.GenerateKeys(filepath.Join(dir, "keys"), challenge.KEMX25519); err != nil {
		t.Fatal(err)
	}
	keys, err := challenge.LoadEdgeKeys(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := sqlite.Open(context.Background(), filepath.Join(dir, "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	cfg := server.Config{Keys: keys, IssuerURL: "http://127.0.0.1:1", Ledger: l.SQL, DB: l.DB(), Static: web.Static}
	if withDist {
		cfg.Dist = dist()
	} else {
		cfg.Names = assets.ClientNames{Wasm: wasmName, WasmExec: execName}
	}
	return cfg, l
}

// edge is the edge as a main assembles it.
func edge(t *testing.T, withDist bool) (*server.Edge, *sqlite.Ledger) {
	t.Helper()
	cfg, l := config(t, withDist)
	e, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if e.Reports == nil {
		t.Fatal("no reporter")
	}
	return e, l
}

func get(t *testing.T, h http.Handler, method, path string) (int, string, http.Header) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader("")))
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b), w.Result().Header
}

// TestRoutes: both runtimes' edges answer every route alike, but for the
// client files, which only the edge with the build serves (on Workers the
// runtime's static assets do).
func TestRoutes(t *testing.T) {
	for _, withDist := range []bool{true, false} {
		e, _ := edge(t, withDist)
		for _, tt := range []struct {
			method, path string
			status       int
			contains     string // in the body
		}{
			{"GET", "/healthz", 200, `{"status":"ok"}`},
			{"HEAD", "/healthz", 200, ""},
			{"POST", "/healthz", 405, ""},
			{"POST", "/v1/start", 415, `"error":"unsupported_media_type"`},
			{"GET", "/v1/verify", 405, `"error":"method_not_allowed"`},
			{"POST", "/v1/prepare", 415, `"error":"unsupported_media_type"`},
			{"GET", "/v1/prepare", 405, `"error":"method_not_allowed"`},
			{"POST", "/v1/nothing", 404, `"error":"not_found"`},
			{"POST", "/internal/v1/credentials", 415, `"error":"unsupported_media_type"`},
			{"GET", "/challenge", 401, "This authentication is not valid"},
			{"GET", "/3ds/v2/creq", 405, "Method not allowed"},
			{"POST", "/3ds/v2/creq", 400, `data-error-code="101"`},
			{"POST", "/3ds/v2/cres", 400, "The form could not be read"},
			{"POST", "/3ds/v2/method", 400, "The form could not be read"},
			{"POST", "/3ds/v2/method/device", 415, `"error":"unsupported_media_type"`},
			{"POST", "/3ds/v2/nothing", 404, ""},
			{"GET", "/assets/nothing.js", 404, ""},
			{"GET", "/assets/" + wasmName, map[bool]int{true: 200, false: 404}[withDist], ""},
			{"GET", "/honnin.js", map[bool]int{true: 200, false: 404}[withDist], ""},
			{"GET", "/", 404, ""},
		} {
			status, body, _ := get(t, e, tt.method, tt.path)
			if status != tt.status || !strings.Contains(body, tt.contains) {
				t.Errorf("dist %v: %s %s = %d %.80q, want %d with %q", withDist, tt.method, tt.path, status, body, tt.status, tt.contains)
			}
		}
	}
}

// TestHealthz: the health check reads the ledger, so an edge whose database
// does not answer is out of service (503), and says so in JSON, never
// cached.
func TestHealthz(t *testing.T) {
	e, l := edge(t, false)
	status, _, h := get(t, e, "GET", "/healthz")
	if status != 200 || h.Get("Content-Type") != "application/json" || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("healthz = %d %v", status, h)
	}
	l.Close()
	if status, body, _ := get(t, e, "GET", "/healthz"); status != 503 || !strings.Contains(body, `"status":"db unavailable"`) {
		t.Errorf("healthz with the database closed = %d %s, want 503", status, body)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	for name, mut := range map[string]func(*server.Config){
		"keys":       func(c *server.Config) { c.Keys = challenge.EdgeKeys{} },
		"issuer URL": func(c *server.Config) { c.IssuerURL = "" },
		"ledger":     func(c *server.Config) { c.Ledger = nil },
		"database":   func(c *server.Config) { c.DB = nil },
		"static":     func(c *server.Config) { c.Static = nil },
		"names":      func(c *server.Config) { c.Names = assets.ClientNames{} },
	} {
		cfg, _ := config(t, false)
		mut(&cfg)
		if _, err := server.New(cfg); err == nil {
			t.Errorf("New without %s succeeded", name)
		}
	}
}

// TestOnRequest: each answered request is reported once, under the route
// pattern of the innermost mux that routed it (never the raw path), with
// the status the client got.
func TestOnRequest(t *testing.T) {
	cfg, _ := config(t, true)
	type seen struct {
		route  string
		status int
	}
	var got []seen
	cfg.OnRequest = func(route string, status int, _ time.Duration) { got = append(got, seen{route, status}) }
	e, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method, path string
		want         seen
	}{
		{"GET", "/healthz", seen{"GET /healthz", 200}},
		{"POST", "/v1/start", seen{"/v1/start", 415}},
		{"POST", "/v1/nothing", seen{"/", 404}},
		{"GET", "/assets/" + wasmName, seen{"/assets/", 200}},
		{"GET", "/no/such/path", seen{"", 404}},
	} {
		got = nil
		get(t, e, tt.method, tt.path)
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s %s reported %+v, want [%+v]", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestChallengePagePaints: on both runtimes the challenge page of a
// session token with the purchase's details shows them before the client
// has run (issue 16), and a token without them gets the skeleton.
func TestChallengePagePaints(t *testing.T) {
	for _, withDist := range []bool{true, false} {
		cfg, _ := config(t, withDist)
		dir := filepath.Join(t.TempDir(), "keys")
		if err := challenge.GenerateKeys(dir, challenge.KEMX25519); err != nil {
			t.Fatal(err)
		}
		ik, err := challenge.LoadIssuerKeys(dir)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Keys, err = challenge.LoadEdgeKeys(dir); err != nil {
			t.Fatal(err)
		}
		e, err := server.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		token := func(txn *challenge.Txn) string {
			s, err := challenge.Sign(ik.Sign, challenge.TypSession, &challenge.SessionClaims{
				RegisteredClaims: jwt.RegisteredClaims{
					Issuer: challenge.IssuerName, Audience: jwt.ClaimStrings{challenge.EdgeName}, Subject: "a1",
					ID: challenge.NewID(), IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
				},
				MerchantOrigin: "https://shop.example", Txn: txn, Locale: "ja",
			})
			if err != nil {
				t.Fatal(err)
			}
			return "/challenge?st=" + url.QueryEscape(s)
		}
		date := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
		status, body, _ := get(t, e, "GET", token(&challenge.Txn{Merchant: "Demo <Shop>", Amount: 1250, Currency: "JPY", Date: date, Last4: "9016"}))
		for _, want := range []string{`<html lang="ja">`, `<dd class="merchant">Demo &lt;Shop&gt;</dd>`, `<dd class="amount">1,250円</dd>`,
			`<dd class="date">2026年11月22日 12:00 JST</dd>`, `<dd class="last4">**** 9016</dd>`} {
			if status != 200 || !strings.Contains(body, want) {
				t.Errorf("dist %v: page %d lacks %s:\n%s", withDist, status, want, body)
			}
		}
		if status, body, _ := get(t, e, "GET", token(nil)); status != 200 || strings.Contains(body, "<dd") || !strings.Contains(body, "sk-value") {
			t.Errorf("dist %v: page of a token without details: %d\n%s", withDist, status, body)
		}
	}
}
