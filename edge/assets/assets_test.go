package assets

import (
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/web"
)

const (
	wasmName = "challenge.0123456789ab.wasm"
	execName = "wasm_exec.ba9876543210.js"
	shop     = "http://localhost:8080"
)

// dist is a client build as build-client.sh writes it; wasm_exec.js has
// only a gzip sibling, to test choosing among what exists.
func dist() fstest.MapFS {
	return fstest.MapFS{
		"manifest.json":      {Data: []byte(`{"wasm":"` + wasmName + `","wasm_exec":"` + execName + `","sizes":{"raw":4,"gzip":3,"brotli":2}}`)},
		wasmName:             {Data: []byte("\x00asm-raw")},
		wasmName + ".br":     {Data: []byte("wasm-br")},
		wasmName + ".gz":     {Data: []byte("wasm-gz")},
		execName:             {Data: []byte("exec-raw")},
		execName + ".gz":     {Data: []byte("exec-gz")},
		"challenge.old.wasm": {Data: []byte("stale")},
	}
}

// verify accepts the token "good" (merchant origin shop) and a few tokens
// whose mo is hostile.
func verify(token string) (Session, error) {
	mo := func(o string) (Session, error) { return Session{MerchantOrigin: o}, nil }
	switch token {
	case "good":
		return mo(shop)
	case "other":
		return mo("https://shop.example.jp:8443")
	case "emv":
		return Session{MerchantOrigin: "https://requestor.example:8443", EMV: true}, nil
	case "emv-inject":
		return Session{MerchantOrigin: "http://a.example; script-src *", EMV: true}, nil
	case "inject":
		return mo("http://a.example; script-src *")
	case "star":
		return mo("*")
	case "newline":
		return mo("http://a.example\r\nSet-Cookie: x=1")
	case "empty":
		return mo("")
	}
	// Sessions with the purchase's details (paint).
	if t, ok := paintTxns[token]; ok {
		s, _ := mo(shop)
		s.Txn, s.Locale = &t.txn, t.locale
		return s, nil
	}
	return Session{}, errors.New("invalid token")
}

// hostileName is a merchant name with markup and quotes: the page must
// show it as text.
const hostileName = `<script>alert("x")</script> & 'Shop'`

// paintTxns are the sessions with details verify accepts, by token.
var paintTxns = map[string]struct {
	txn    Txn
	locale string
}{
	"txn":              {Txn{Merchant: hostileName, Amount: 1250, Currency: "JPY", Date: time.Date(2026, 11, 21, 20, 30, 0, 0, time.UTC), Last4: "1234"}, "ja"},
	"txn-usd":          {Txn{Merchant: "Shop", Amount: 1250, Currency: "USD", Date: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), Last4: "9016"}, ""},
	"txn-no-purchase":  {Txn{Merchant: "Shop"}, "en"},
	"txn-no-merchant":  {Txn{Amount: 1250, Currency: "JPY", Last4: "1234"}, "ja"},
	"txn-bad-currency": {Txn{Merchant: "Shop", Amount: 1250, Currency: "<b>", Last4: "1234"}, "ja"},
}

func newHandler(t *testing.T) *Handler {
	t.Helper()
	h, err := New(dist(), web.Static, verify)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func do(h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestChallengePage(t *testing.T) {
	h := newHandler(t)
	tests := []struct {
		name, target string
		status       int
		ancestors    string // expected frame-ancestors source, "" for none
		action       string // expected form-action source
	}{
		{"valid", "/challenge?st=good", 200, shop, "'none'"},
		{"other merchant", "/challenge?st=other", 200, "https://shop.example.jp:8443", "'none'"},
		// An EMV challenge: framed by the 3DS Requestor's page, whose
		// origin the ACS does not know; ended by a form POST to the edge.
		{"emv", "/challenge?st=emv&sd=c2Vzc2lvbg", 200, "*", "'self'"},
		{"emv, mo injects a directive", "/challenge?st=emv-inject", 401, "", ""},
		{"bad token", "/challenge?st=forged", 401, "", ""},
		{"no token", "/challenge", 401, "", ""},
		{"empty token", "/challenge?st=", 401, "", ""},
		{"mo injects a directive", "/challenge?st=inject", 401, "", ""},
		{"mo is a wildcard", "/challenge?st=star", 401, "", ""},
		{"mo splits headers", "/challenge?st=newline", 401, "", ""},
		{"mo empty", "/challenge?st=empty", 401, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, "GET", tt.target, nil)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			hdr := w.Header()
			if got := hdr.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q", got)
			}
			if got := hdr.Get("Referrer-Policy"); got != "no-referrer" {
				t.Errorf("Referrer-Policy %q", got)
			}
			if got := hdr.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			body := w.Body.String()
			if tt.status != 200 {
				// The message, and loader.js told to post the error to
				// the merchant page (Honnin.mount rejects); never the
				// client, never a framing restriction naming an origin
				// the token does not prove.
				if ct := hdr.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("401 Content-Type %q", ct)
				}
				if strings.Contains(body, ".wasm") || !strings.Contains(body, `data-error="invalid_token"`) ||
					!strings.Contains(body, "/assets/loader.") {
					t.Errorf("401 body does not post invalid_token: %q", body)
				}
				if csp := hdr.Get("Content-Security-Policy"); strings.Contains(csp, "frame-ancestors") || strings.Contains(csp, "wasm") ||
					!strings.Contains(csp, "script-src 'self'") {
					t.Errorf("401 CSP %q", csp)
				}
				return
			}
			want := "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; " +
				"img-src 'self' data:; frame-ancestors " + tt.ancestors + "; base-uri 'none'; form-action " + tt.action
			if got := hdr.Get("Content-Security-Policy"); got != want {
				t.Errorf("CSP\n got %q\nwant %q", got, want)
			}
			if ct := hdr.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			for _, s := range []string{
				`<link rel="preload" href="/assets/` + wasmName + `" as="fetch" type="application/wasm" crossorigin>`,
				`<script src="/assets/` + execName + `" defer></script>`,
				`data-wasm="/assets/` + wasmName + `"`,
				`src="/assets/` + h.names.Loader + `"`,
				`href="/assets/` + h.names.CSS + `"`,
				`id="status"`,
			} {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %s", s)
				}
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
				t.Error("page has an inline script or style, which the CSP blocks")
			}
			if strings.Contains(body, "good") {
				t.Error("page reflects the session token")
			}
		})
	}
}

func TestChallengeHEADAndMethods(t *testing.T) {
	h := newHandler(t)
	w := do(h, "HEAD", "/challenge?st=good", nil)
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "0" ||
		!strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors "+shop+";") {
		t.Errorf("HEAD: %d, body %d bytes, headers %v", w.Code, w.Body.Len(), w.Header())
	}
	if w := do(h, "HEAD", "/challenge?st=bad", nil); w.Code != 401 || w.Body.Len() != 0 {
		t.Errorf("HEAD bad token: %d, body %q", w.Code, w.Body)
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		for _, p := range []string{"/challenge?st=good", "/assets/" + wasmName, "/honnin.js"} {
			w := do(h, m, p, nil)
			if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q", m, p, w.Code, w.Header().Get("Allow"))
			}
		}
	}
}

func TestAssets(t *testing.T) {
	h := newHandler(t)
	tests := []struct {
		name, path, acceptEncoding string
		body, encoding, ctype      string
	}{
		{"wasm identity", "/assets/" + wasmName, "", "\x00asm-raw", "", "application/wasm"},
		{"wasm br", "/assets/" + wasmName, "gzip, deflate, br, zstd", "wasm-br", "br", "application/wasm"},
		{"wasm gzip only", "/assets/" + wasmName, "gzip", "wasm-gz", "gzip", "application/wasm"},
		{"wasm br refused", "/assets/" + wasmName, "br;q=0, gzip", "wasm-gz", "gzip", "application/wasm"},
		{"wasm br refused with space", "/assets/" + wasmName, "gzip, br ; q=0", "wasm-gz", "gzip", "application/wasm"},
		{"wasm only br refused", "/assets/" + wasmName, "br;q=0", "\x00asm-raw", "", "application/wasm"},
		{"wasm gzip preferred", "/assets/" + wasmName, "gzip;q=1.0, br;q=0.5", "wasm-gz", "gzip", "application/wasm"},
		{"wasm tie goes to br", "/assets/" + wasmName, "gzip;q=0.8, br;q=0.8", "wasm-br", "br", "application/wasm"},
		{"wasm star", "/assets/" + wasmName, "*", "wasm-br", "br", "application/wasm"},
		{"wasm star but br refused", "/assets/" + wasmName, "*, br;q=0", "wasm-gz", "gzip", "application/wasm"},
		{"wasm star refused", "/assets/" + wasmName, "*;q=0", "\x00asm-raw", "", "application/wasm"},
		{"wasm upper case", "/assets/" + wasmName, "BR", "wasm-br", "br", "application/wasm"},
		{"wasm x-gzip", "/assets/" + wasmName, "x-gzip", "wasm-gz", "gzip", "application/wasm"},
		{"wasm identity asked", "/assets/" + wasmName, "identity", "\x00asm-raw", "", "application/wasm"},
		{"wasm bad q", "/assets/" + wasmName, "br;q=abc, gzip;q=2", "\x00asm-raw", "", "application/wasm"},
		{"exec without br", "/assets/" + execName, "br, gzip", "exec-gz", "gzip", "text/javascript; charset=utf-8"},
		{"exec identity", "/assets/" + execName, "br", "exec-raw", "", "text/javascript; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, "GET", tt.path, map[string]string{"Accept-Encoding": tt.acceptEncoding})
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			hdr := w.Header()
			if w.Body.String() != tt.body {
				t.Errorf("body %q, want %q", w.Body, tt.body)
			}
			if got := hdr.Get("Content-Encoding"); got != tt.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.encoding)
			}
			if got := hdr.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			if got := hdr.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("Vary %q", got)
			}
			if got := hdr.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control %q", got)
			}
			if hdr.Get("ETag") == "" || hdr.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("ETag %q, nosniff %q", hdr.Get("ETag"), hdr.Get("X-Content-Type-Options"))
			}
		})
	}
}

func TestStaticAssets(t *testing.T) {
	h := newHandler(t)
	for _, tt := range []struct {
		path, file, ctype string
	}{
		{"/assets/" + h.names.Loader, "loader.js", "text/javascript; charset=utf-8"},
		{"/assets/" + h.names.CSS, "challenge.css", "text/css; charset=utf-8"},
	} {
		want, err := fs.ReadFile(web.Static, tt.file)
		if err != nil {
			t.Fatal(err)
		}
		w := do(h, "GET", tt.path, map[string]string{"Accept-Encoding": "br, gzip"})
		if w.Code != 200 || w.Body.String() != string(want) {
			t.Errorf("%s: %d, body matches %s: %v", tt.path, w.Code, tt.file, w.Body.String() == string(want))
		}
		if got := w.Header().Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s: Content-Type %q", tt.path, got)
		}
		if got := w.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", tt.path, got)
		}
		if w.Header().Get("Content-Encoding") != "" || w.Header().Get("Vary") != "" {
			t.Errorf("%s: encoded without variants: %v", tt.path, w.Header())
		}
		if !hashedName(strings.TrimPrefix(tt.path, "/assets/"), tt.path[strings.LastIndexByte(tt.path, '.'):]) {
			t.Errorf("%s is not a hashed name", tt.path)
		}
	}
}

func TestSnippet(t *testing.T) {
	h := newHandler(t)
	want, err := fs.ReadFile(web.Static, "honnin.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"GET", "HEAD"} {
		w := do(h, method, "/honnin.js", nil)
		hdr := w.Header()
		if w.Code != 200 {
			t.Fatalf("%s: status %d", method, w.Code)
		}
		if method == "GET" && w.Body.String() != string(want) {
			t.Errorf("GET: body differs from web/honnin.js")
		}
		if method == "HEAD" && (w.Body.Len() != 0 || hdr.Get("Content-Length") == "") {
			t.Errorf("HEAD: body %d bytes, Content-Length %q", w.Body.Len(), hdr.Get("Content-Length"))
		}
		if got := hdr.Get("Content-Type"); got != "text/javascript; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", method, got)
		}
		if got := hdr.Get("Cache-Control"); got != "public, max-age=300" {
			t.Errorf("%s: Cache-Control %q", method, got)
		}
		if got := hdr.Get("Cross-Origin-Resource-Policy"); got != "cross-origin" {
			t.Errorf("%s: CORP %q", method, got)
		}
	}
}

func TestNotFound(t *testing.T) {
	h := newHandler(t)
	for _, p := range []string{
		"/",
		"/challenge/",
		"/challenge.html",
		"/assets/",
		"/assets",
		"/assets/nope.js",
		"/assets/../go.mod",
		"/assets/%2e%2e/go.mod",
		"/assets/..%2fgo.mod",
		"/assets//" + wasmName,
		"/assets/./" + wasmName,
		"/assets/" + wasmName + ".br", // compressed files only through negotiation
		"/assets/" + wasmName + ".gz",
		"/assets/manifest.json",
		"/assets/challenge.old.wasm", // in dist but not in the manifest
		"/assets/challenge.html",
		"/assets/loader.js", // only under its hashed name
		"/assets/challenge.css",
		"/assets/honnin.js",
		"/ASSETS/" + wasmName,
		"/honnin.js/",
		"/v1/start",
	} {
		w := do(h, "GET", p, nil)
		if w.Code != 404 {
			t.Errorf("GET %s: %d, want 404", p, w.Code)
		}
	}
}

func TestConditionalAndHead(t *testing.T) {
	h := newHandler(t)
	path := "/assets/" + wasmName
	w := do(h, "GET", path, map[string]string{"Accept-Encoding": "br"})
	etag := w.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	gz := do(h, "GET", path, map[string]string{"Accept-Encoding": "gzip"})
	if gz.Header().Get("ETag") == etag {
		t.Error("br and gzip variants share an ETag")
	}
	for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag, "*"} {
		w = do(h, "GET", path, map[string]string{"Accept-Encoding": "br", "If-None-Match": inm})
		if w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") != etag {
			t.Errorf("If-None-Match %s: %d, body %q", inm, w.Code, w.Body)
		}
	}
	w = do(h, "GET", path, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag})
	if w.Code != 200 || w.Body.String() != "wasm-gz" {
		t.Errorf("If-None-Match of the br variant on a gzip request: %d, body %q", w.Code, w.Body)
	}
	w = do(h, "GET", path, map[string]string{"Accept-Encoding": "br"})
	if w.Header().Get("Content-Length") != "7" {
		t.Errorf("GET br: Content-Length %q, want 7", w.Header().Get("Content-Length"))
	}
	w = do(h, "HEAD", path, map[string]string{"Accept-Encoding": "br"})
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "7" ||
		w.Header().Get("Content-Type") != "application/wasm" || w.Header().Get("Content-Encoding") != "br" {
		t.Errorf("HEAD: %d, body %q, headers %v", w.Code, w.Body, w.Header())
	}
}

func TestNewErrors(t *testing.T) {
	without := func(name string) fstest.MapFS {
		d := dist()
		delete(d, name)
		return d
	}
	withManifest := func(m string) fstest.MapFS {
		d := dist()
		d["manifest.json"] = &fstest.MapFile{Data: []byte(m)}
		return d
	}
	static := func(drop string) fstest.MapFS {
		s := fstest.MapFS{}
		for _, f := range []string{"challenge.html", "loader.js", "challenge.css", "honnin.js"} {
			b, err := fs.ReadFile(web.Static, f)
			if err != nil {
				t.Fatal(err)
			}
			if f != drop {
				s[f] = &fstest.MapFile{Data: b}
			}
		}
		return s
	}
	tests := []struct {
		name         string
		dist, static fs.FS
		verify       VerifySession
	}{
		{"no verifier", dist(), web.Static, nil},
		{"no manifest", without("manifest.json"), web.Static, verify},
		{"bad manifest", withManifest("{"), web.Static, verify},
		{"wasm missing", without(wasmName), web.Static, verify},
		{"exec missing", without(execName), web.Static, verify},
		{"unhashed wasm", withManifest(`{"wasm":"challenge.wasm","wasm_exec":"` + execName + `"}`), web.Static, verify},
		{"traversal in manifest", withManifest(`{"wasm":"../challenge.0123456789ab.wasm","wasm_exec":"` + execName + `"}`), web.Static, verify},
		{"upper-case hash", withManifest(`{"wasm":"challenge.0123456789AB.wasm","wasm_exec":"` + execName + `"}`), web.Static, verify},
		{"wrong extension", withManifest(`{"wasm":"` + execName + `","wasm_exec":"` + execName + `"}`), web.Static, verify},
		{"empty manifest", withManifest(`{}`), web.Static, verify},
		{"no page", dist(), static("challenge.html"), verify},
		{"no loader", dist(), static("loader.js"), verify},
		{"no css", dist(), static("challenge.css"), verify},
		{"no snippet", dist(), static("honnin.js"), verify},
		{"page template refers to a missing name", dist(), fstest.MapFS{
			"challenge.html": {Data: []byte("{{.Nope}}")}, "loader.js": {}, "challenge.css": {}, "honnin.js": {},
		}, verify},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, err := New(tt.dist, tt.static, tt.verify); err == nil {
				t.Fatalf("New = %v, want an error", h)
			}
		})
	}
	if _, err := New(dist(), static(""), verify); err != nil {
		t.Fatalf("New with a complete static set: %v", err)
	}
}

// TestChallengePageSkeleton: the page paints the screen's shape before the
// client runs — the heading, a field and Send, disabled — hidden from
// assistive technology and inert, before #status (the stylesheet hides
// "Loading…" only while a #skeleton precedes it); it takes none of the
// client's ids, which the client, the e2e tests and the CSS find its own
// elements by, and it is the same page for every session: nothing of the
// transaction.
func TestChallengePageSkeleton(t *testing.T) {
	h := newHandler(t)
	body := do(h, "GET", "/challenge?st=good", nil).Body.String()
	start := strings.Index(body, `<div id="skeleton" class="skeleton">`)
	status := strings.Index(body, `<p id="status"`)
	if start < 0 || status < start {
		t.Fatalf("no #skeleton before #status in\n%s", body)
	}
	sk := body[start:status]
	// The summary is a picture of what comes, hidden and inert; the form
	// too until loader.js's early start has a code sent: its #code is the
	// real, labelled field the client takes over.
	for _, want := range []string{
		`<div class="sk-summary" aria-hidden="true" inert>`, "<h1>",
		`<div id="sk-form" class="code-form" aria-hidden="true" inert>`,
		`<label for="code" class="sk-field-label">`,
		`<input id="code" name="code" type="text" autocomplete="one-time-code" inputmode="numeric"`,
		"<button class=\"primary\" type=\"button\" disabled tabindex=\"-1\">",
	} {
		if !strings.Contains(sk, want) {
			t.Errorf("skeleton lacks %s", want)
		}
	}
	if !regexp.MustCompile(`<input id="code"[^>]* disabled>`).MatchString(sk) {
		t.Errorf("the skeleton's #code is not disabled: %s", sk)
	}
	if n := strings.Count(sk, "id="); n != 3 {
		t.Errorf("skeleton has %d ids, want skeleton, sk-form and code: %s", n, sk)
	}
	// The early start: the contract's path and the client's wait.
	if want := `data-start="` + contract.ClientStartPath + `" data-wait="20000"`; !strings.Contains(body, want) {
		t.Errorf("the loader's tag lacks %s", want)
	}
	if other := do(h, "GET", "/challenge?st=other", nil).Body.String(); other != body {
		t.Error("the page differs between sessions")
	}
}
