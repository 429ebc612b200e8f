// Package assets serves the challenge iframe page and the client files:
// the page with its strict CSP, the Go wasm client with the headers that
// let browsers compile it while it downloads (application/wasm,
// precompressed brotli or gzip, immutable caching of hashed names), and the
// merchant snippet. It is an http.Handler the edge mounts for
//
//	GET|HEAD /challenge?st=<session token>
//	GET|HEAD /assets/<name>
//	GET|HEAD /honnin.js
//
// and answers 404 for every other path.
package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// VerifySession checks a session token (signature, typ, expiry) and
// returns what the page needs of its claims. The edge passes its token
// verifier; this package does not know about keys.
type VerifySession func(token string) (Session, error)

// Session is what the challenge page needs of a verified session token.
type Session struct {
	// MerchantOrigin is the mo claim: the one origin that may frame the
	// page of a merchant's session.
	MerchantOrigin string
	// EMV is set for the session of an EMV 3-D Secure browser challenge
	// (the claims' emv part): the page is framed by the 3DS Requestor's
	// page and ends with a form POST to the edge (csp).
	EMV bool
	// Txn is the purchase as the page shows it before its client has
	// loaded (paint); nil on a session without it (an EMV session's).
	Txn *Txn
	// Locale is the cardholder's language (ja, en) if the issuer knows
	// it: the page's when the browser names none.
	Locale string
}

// Txn is what the page shows of the purchase: the session token's, which
// holds only what the merchant has (challenge.SessionClaims.Txn).
type Txn struct {
	Merchant string
	Amount   int64 // minor units of Currency
	Currency string
	Date     time.Time
	Last4    string
}

// Cache policies.
const (
	cacheImmutable = "public, max-age=31536000, immutable" // content-hashed names
	cacheSnippet   = "public, max-age=300"                 // honnin.js: fixed URL in merchants' pages
	cacheNone      = "no-store"
)

// Handler serves the page and the assets. Make one with New.
type Handler struct {
	verify  VerifySession
	page    page // the rendered challenge page
	names   pageNames
	assets  map[string]*asset // by name under /assets/
	snippet *asset            // /honnin.js
}

// pageNames are the hashed asset names the page template refers to.
type pageNames struct {
	Wasm     string
	WasmExec string
	Loader   string
	CSS      string
}

// New builds the handler from two file systems:
//
//   - dist, the client build output (web/dist, written by
//     web/build-client.sh): manifest.json naming challenge.<hash>.wasm and
//     wasm_exec.<hash>.js, each with optional .br and .gz siblings;
//   - static, the embedded web files (web.Static): challenge.html,
//     loader.js, challenge.css and honnin.js.
//
// Everything is read into memory now, so a missing or broken build fails at
// start-up rather than on a cardholder's screen. loader.js and
// challenge.css are served under content-hashed names computed here.
func New(dist, static fs.FS, verify VerifySession) (*Handler, error) {
	if verify == nil {
		return nil, errors.New("assets: no session verifier")
	}
	h := &Handler{verify: verify, assets: map[string]*asset{}}

	var manifest struct {
		Wasm     string `json:"wasm"`
		WasmExec string `json:"wasm_exec"`
	}
	b, err := fs.ReadFile(dist, "manifest.json")
	if err != nil {
		return nil, fmt.Errorf("assets: read client manifest (run web/build-client.sh): %w", err)
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		return nil, fmt.Errorf("assets: parse client manifest: %w", err)
	}
	for _, f := range []struct{ name, ext, ctype string }{
		{manifest.Wasm, ".wasm", "application/wasm"},
		{manifest.WasmExec, ".js", "text/javascript; charset=utf-8"},
	} {
		if !hashedName(f.name, f.ext) {
			return nil, fmt.Errorf("assets: client manifest: %q is not a content-hashed %s name", f.name, f.ext)
		}
		a, err := loadDist(dist, f.name, f.ctype)
		if err != nil {
			return nil, err
		}
		h.assets[f.name] = a
	}
	h.names.Wasm, h.names.WasmExec = manifest.Wasm, manifest.WasmExec

	for _, f := range []struct {
		file, ctype string
		name        *string
	}{
		{"loader.js", "text/javascript; charset=utf-8", &h.names.Loader},
		{"challenge.css", "text/css; charset=utf-8", &h.names.CSS},
	} {
		body, err := fs.ReadFile(static, f.file)
		if err != nil {
			return nil, fmt.Errorf("assets: read %s: %w", f.file, err)
		}
		base, ext, _ := strings.Cut(f.file, ".")
		*f.name = base + "." + hash12(body) + "." + ext
		h.assets[*f.name] = newAsset(f.ctype, cacheImmutable, body)
	}

	body, err := fs.ReadFile(static, "honnin.js")
	if err != nil {
		return nil, fmt.Errorf("assets: read honnin.js: %w", err)
	}
	h.snippet = newAsset("text/javascript; charset=utf-8", cacheSnippet, body)

	tmpl, err := fs.ReadFile(static, "challenge.html")
	if err != nil {
		return nil, fmt.Errorf("assets: read challenge.html: %w", err)
	}
	h.page, err = render(string(tmpl), h.names)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// loadDist reads a built file and its precompressed siblings.
func loadDist(dist fs.FS, name, ctype string) (*asset, error) {
	body, err := fs.ReadFile(dist, name)
	if err != nil {
		return nil, fmt.Errorf("assets: read %s: %w", name, err)
	}
	a := newAsset(ctype, cacheImmutable, body)
	for _, enc := range encodings {
		b, err := fs.ReadFile(dist, name+enc.suffix)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return nil, fmt.Errorf("assets: read %s%s: %w", name, enc.suffix, err)
		}
		a.add(enc.name, b)
	}
	return a, nil
}

// hashedName reports whether name is "<base>.<12 hex digits><ext>", the
// form build-client.sh writes: only such names may be cached forever.
func hashedName(name, ext string) bool {
	rest, ok := strings.CutSuffix(name, ext)
	if !ok {
		return false
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 {
		return false
	}
	base, hash := rest[:i], rest[i+1:]
	if len(hash) != 12 {
		return false
	}
	for _, c := range base + hash {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	_, err := hex.DecodeString(hash)
	return err == nil && strings.ToLower(hash) == hash
}

func hash12(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:12]
}

// ClientPaths are the URL paths of the client files a page that runs the
// challenge client refers to.
type ClientPaths struct {
	Wasm, WasmExec, Loader, CSS string
}

// ClientPaths returns the paths of this build's client files, for the
// other page that runs the client (edge/emvpages' 3DS Method page).
func (h *Handler) ClientPaths() ClientPaths {
	return ClientPaths{Wasm: "/assets/" + h.names.Wasm, WasmExec: "/assets/" + h.names.WasmExec,
		Loader: "/assets/" + h.names.Loader, CSS: "/assets/" + h.names.CSS}
}

// ServeHTTP routes to the page, the assets and the snippet.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	var a *asset
	switch {
	case path == "/challenge":
	case path == "/honnin.js":
		a = h.snippet
		if a == nil { // a page-only handler (NewPage)
			http.NotFound(w, r)
			return
		}
	case strings.HasPrefix(path, "/assets/"):
		// An exact lookup: "..", "%2e%2e", "x.wasm.br" and anything not
		// built or embedded are simply not keys.
		a = h.assets[strings.TrimPrefix(path, "/assets/")]
		if a == nil {
			http.NotFound(w, r)
			return
		}
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if a == nil {
		h.challenge(w, r)
		return
	}
	a.serve(w, r, path == "/honnin.js")
}
