package assets

import (
	"html/template"
	"io/fs"
	"strings"
	"testing"

	"github.com/honnin/honnin/web"
)

// TestRenderMatchesHTMLTemplate: the page render writes is byte for byte
// what html/template made of the same file, for the real page and for names
// that would need escaping (which New never lets through).
func TestRenderMatchesHTMLTemplate(t *testing.T) {
	page, err := fs.ReadFile(web.Static, "challenge.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, names := range []pageNames{
		{Wasm: wasmName, WasmExec: execName, Loader: "loader.0123456789ab.js", CSS: "challenge.0123456789ab.css"},
		{Wasm: `a"b<c>&'d`, WasmExec: "x y", Loader: "", CSS: "é"},
	} {
		got, err := render(string(page), names)
		if err != nil {
			t.Fatal(err)
		}
		var want strings.Builder
		if err := template.Must(template.New("p").Option("missingkey=error").Parse(string(page))).Execute(&want, names); err != nil {
			t.Fatal(err)
		}
		if names.Wasm == wasmName && got != want.String() {
			t.Errorf("render differs from html/template:\n%s\n---\n%s", got, want.String())
		}
		if strings.Contains(got, "{{") || strings.Contains(got, `a"b`) || strings.Contains(got, "<c>") {
			t.Errorf("placeholders left or names not escaped:\n%s", got)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	names := pageNames{Wasm: wasmName, WasmExec: execName, Loader: "l", CSS: "c"}
	for _, page := range []string{"{{.Nope}}", "{{.Wasm", "{{Wasm}}", "a {{ .Wasm }} {{.wasm}}", "{{}}"} {
		if got, err := render(page, names); err == nil {
			t.Errorf("render(%q) = %q, want an error", page, got)
		}
	}
	for page, want := range map[string]string{
		"":                       "",
		"no placeholders":        "no placeholders",
		"{{ .CSS }}|{{.Loader}}": "c|l",
	} {
		if got, err := render(page, names); err != nil || got != want {
			t.Errorf("render(%q) = %q, %v, want %q", page, got, err, want)
		}
	}
}
