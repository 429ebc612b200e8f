package assets

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honnin/honnin/web"
)

// The Workers edge serves the page from NewPage and the files from Export's
// folder; together they must give a browser what New alone gives it.
func TestNewPageAndExport(t *testing.T) {
	full := newHandler(t)
	page, err := NewPage(ClientNames{Wasm: wasmName, WasmExec: execName}, web.Static, verify)
	if err != nil {
		t.Fatal(err)
	}
	want := do(full, "GET", "/challenge?st=good", nil)
	got := do(page, "GET", "/challenge?st=good", nil)
	if got.Code != http.StatusOK || got.Body.String() != want.Body.String() {
		t.Errorf("page-only /challenge = %d, same body %v", got.Code, got.Body.String() == want.Body.String())
	}
	if g, w := got.Header().Get("Content-Security-Policy"), want.Header().Get("Content-Security-Policy"); g != w {
		t.Errorf("CSP %q, want %q", g, w)
	}
	for _, p := range []string{"/honnin.js", "/assets/" + wasmName} {
		if c := do(page, "GET", p, nil).Code; c != http.StatusNotFound {
			t.Errorf("page-only %s = %d, want 404", p, c)
		}
	}
	if _, err := NewPage(ClientNames{Wasm: "app.wasm", WasmExec: execName}, web.Static, verify); err == nil {
		t.Error("NewPage accepted an unhashed wasm name")
	}

	dir := t.TempDir()
	if err := full.Export(dir); err != nil {
		t.Fatal(err)
	}
	headers, err := os.ReadFile(filepath.Join(dir, "_headers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/honnin.js", "/assets/" + wasmName, "/assets/" + execName, "/assets/" + full.names.Loader, "/assets/" + full.names.CSS} {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "/"))))
		if err != nil {
			t.Errorf("export lacks %s: %v", p, err)
			continue
		}
		if w := do(full, "GET", p, nil); w.Body.String() != string(b) {
			t.Errorf("exported %s differs from what New serves", p)
		}
		if !strings.Contains(string(headers), p+"\n  Cache-Control: ") {
			t.Errorf("_headers has no rule for %s", p)
		}
	}
}
