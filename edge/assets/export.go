package assets

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ClientNames are the content-hashed names of the built client that the
// challenge page refers to (web/dist/manifest.json).
type ClientNames struct {
	Wasm, WasmExec string
}

// NewPage returns a handler that serves only the challenge page, for a
// runtime whose static files are served by someone else: on Cloudflare
// Workers the client files are static assets (see Export), so the worker
// carries neither the 4.5 MiB client nor its compressed copies. Every path
// but /challenge is 404.
func NewPage(names ClientNames, static fs.FS, verify VerifySession) (*Handler, error) {
	for _, f := range []struct{ name, ext string }{{names.Wasm, ".wasm"}, {names.WasmExec, ".js"}} {
		if !hashedName(f.name, f.ext) {
			return nil, fmt.Errorf("assets: %q is not a content-hashed %s name", f.name, f.ext)
		}
	}
	dist := pageOnlyFS{names}
	h, err := New(dist, static, verify)
	if err != nil {
		return nil, err
	}
	h.assets = map[string]*asset{}
	h.snippet = nil
	return h, nil
}

// pageOnlyFS is a dist with a manifest and empty client files, enough for
// New to compute the page's names.
type pageOnlyFS struct{ names ClientNames }

func (p pageOnlyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (p pageOnlyFS) ReadFile(name string) ([]byte, error) {
	switch name {
	case "manifest.json":
		return fmt.Appendf(nil, `{"wasm":%q,"wasm_exec":%q}`, p.names.Wasm, p.names.WasmExec), nil
	case p.names.Wasm, p.names.WasmExec:
		return nil, nil
	}
	return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
}

// Export writes every file the handler serves besides the page into dir,
// at its URL path (assets/<name>, honnin.js), with a _headers file giving
// each the Cache-Control and cross-origin policy ServeHTTP gives it. This is
// the static-assets folder of the Workers edge; Cloudflare compresses on
// its own, so only the identity bodies are written.
func (h *Handler) Export(dir string) error {
	write := func(rel string, body []byte) error {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, body, 0o644)
	}
	var headers strings.Builder
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range h.assets {
			if !yield(n) {
				return
			}
		}
	})
	for _, n := range names {
		a := h.assets[n]
		if err := write("assets/"+n, a.variants[""].body); err != nil {
			return fmt.Errorf("assets: export %s: %w", n, err)
		}
		fmt.Fprintf(&headers, "/assets/%s\n  Cache-Control: %s\n  X-Content-Type-Options: nosniff\n  Cross-Origin-Resource-Policy: same-origin\n", n, a.cache)
	}
	if h.snippet != nil {
		if err := write("honnin.js", h.snippet.variants[""].body); err != nil {
			return fmt.Errorf("assets: export honnin.js: %w", err)
		}
		fmt.Fprintf(&headers, "/honnin.js\n  Cache-Control: %s\n  X-Content-Type-Options: nosniff\n  Cross-Origin-Resource-Policy: cross-origin\n", h.snippet.cache)
	}
	if err := write("_headers", []byte(headers.String())); err != nil {
		return fmt.Errorf("assets: export _headers: %w", err)
	}
	return nil
}
