package assets

import (
	"fmt"
	"html"
	"strings"
)

// render fills the challenge page's placeholders ({{.Wasm}}, {{.WasmExec}},
// {{.Loader}}, {{.CSS}}: the content-hashed names, all inside attribute
// values) once, when the handler is built: the page is the same for every
// request of a build. It stands in for html/template, which the Workers
// edge cannot afford: with text/template it adds ~1 MiB of gzip to the
// worker (reflection keeps every exported method of every linked type),
// for four names. The names are validated as content-hashed names
// ([a-z0-9_-] and dots) before they get here and are HTML-escaped anyway;
// any other {{ in the page, or one left unclosed, is an error, as
// missingkey=error made it.
func render(page string, names pageNames) (string, error) {
	fields := map[string]string{
		"Wasm": names.Wasm, "WasmExec": names.WasmExec, "Loader": names.Loader, "CSS": names.CSS,
	}
	var b strings.Builder
	rest := page
	for {
		before, after, ok := strings.Cut(rest, "{{")
		b.WriteString(before)
		if !ok {
			break
		}
		action, tail, ok := strings.Cut(after, "}}")
		if !ok {
			return "", fmt.Errorf("assets: page: unclosed {{")
		}
		key, ok := strings.CutPrefix(strings.TrimSpace(action), ".")
		v, known := fields[key]
		if !ok || !known {
			return "", fmt.Errorf("assets: page: unknown placeholder {{%s}}", action)
		}
		b.WriteString(html.EscapeString(v))
		rest = tail
	}
	return b.String(), nil
}
