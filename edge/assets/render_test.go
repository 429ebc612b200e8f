package assets

import (
	"html/template"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/web"
)

// TestRenderMatchesHTMLTemplate: the page render writes for a session
// without details is byte for byte what html/template made of the same
// file with the per-request markers taken out (lang "en", the skeleton's
// summary), for the real page and for names that would need escaping
// (which New never lets through).
func TestRenderMatchesHTMLTemplate(t *testing.T) {
	text, err := fs.ReadFile(web.Static, "challenge.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, marker := range []string{"{{.Lang}}", "{{.Summary}}", "{{end}}"} {
		if strings.Count(string(text), marker) != 1 {
			t.Fatalf("challenge.html has %d %s, want 1", strings.Count(string(text), marker), marker)
		}
	}
	plain := strings.NewReplacer("{{.Lang}}", "en", "{{.Summary}}", "", "{{end}}", "").Replace(string(text))
	for _, names := range []pageNames{
		{Wasm: wasmName, WasmExec: execName, Loader: "loader.0123456789ab.js", CSS: "challenge.0123456789ab.css"},
		{Wasm: `a"b<c>&'d`, WasmExec: "x y", Loader: "", CSS: "é"},
	} {
		p, err := render(string(text), names)
		if err != nil {
			t.Fatal(err)
		}
		got := string(p.write("", ""))
		var want strings.Builder
		data := struct {
			pageNames
			StartPath, ClientWait string
		}{names, contract.ClientStartPath, strconv.Itoa(int(contract.ClientWait / time.Millisecond))}
		if err := template.Must(template.New("p").Option("missingkey=error").Parse(plain)).Execute(&want, data); err != nil {
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
	for _, text := range []string{
		"{{.Nope}}", "{{.Wasm", "{{Wasm}}", "a {{ .Wasm }} {{.wasm}}", "{{}}",
		"{{end}}", "{{.Summary}}x", "{{.Summary}}{{.Lang}}{{end}}", "{{.Lang}}{{.Lang}}",
		"{{.Summary}}a{{end}}{{.Summary}}b{{end}}", "{{.Summary}}{{.Summary}}{{end}}{{end}}",
	} {
		if got, err := render(text, names); err == nil {
			t.Errorf("render(%q) = %q, want an error", text, got)
		}
	}
	for _, tt := range []struct {
		text, lang, summary, want string
	}{
		{"", "", "", ""},
		{"no placeholders", "ja", "S", "no placeholders"},
		{"{{ .CSS }}|{{.Loader}}", "", "", "c|l"},
		{`<html lang="{{.Lang}}">{{.Summary}}<s>{{.CSS}}</s>{{end}}.`, "", "", `<html lang="en"><s>c</s>.`},
		{`<html lang="{{.Lang}}">{{.Summary}}<s>{{.CSS}}</s>{{end}}.`, "ja", "<S>", `<html lang="ja"><S>.`},
		{"{{.Summary}}{{end}}", "", "", ""},
		{"{{.Summary}}{{end}}", "", "x", "x"},
	} {
		p, err := render(tt.text, names)
		if got := string(p.write(tt.lang, tt.summary)); err != nil || got != tt.want {
			t.Errorf("render(%q).write(%q, %q) = %q, %v, want %q", tt.text, tt.lang, tt.summary, got, err, tt.want)
		}
	}
}
