package assets

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// page is the challenge page as New rendered it: its text with the
// content-hashed names in place, in pieces around the two parts written
// for each request (the document's language and the transaction summary,
// see paint).
type page []piece

// A piece is text of the page, or a per-request slot with its default.
type piece struct {
	slot string // "", slotLang or slotSummary
	text string // the text, or the slot's default
}

const (
	slotLang    = "Lang"
	slotSummary = "Summary"
	// defaultLang is the page's language when it paints no summary: its
	// skeleton's heading is bilingual, English outside the lang="ja" span.
	defaultLang = "en"
)

// render fills the challenge page's placeholders once, when the handler is
// built: {{.Wasm}}, {{.WasmExec}}, {{.Loader}}, {{.CSS}} (the
// content-hashed names, all inside attribute values), {{.StartPath}} and
// {{.ClientWait}} (the contract's) are written in. Two
// parts are left for each request: {{.Lang}}, the value of <html lang>,
// and {{.Summary}}…{{end}}, the skeleton's summary, which a session with
// the purchase's details replaces with them (paint); without them the page
// is the text between the two markers, the same for every request.
//
// It stands in for html/template, which the Workers edge cannot afford:
// with text/template it adds ~1 MiB of gzip to the worker (reflection
// keeps every exported method of every linked type). The names are
// validated as content-hashed names ([a-z0-9_-] and dots) before they get
// here and are HTML-escaped anyway; the per-request text is escaped by
// paint. Any other {{ in the page, one left unclosed, a {{.Summary}}
// without its {{end}} or a second one is an error, as missingkey=error
// made it.
func render(text string, names pageNames) (page, error) {
	fields := map[string]string{
		"Wasm": names.Wasm, "WasmExec": names.WasmExec, "Loader": names.Loader, "CSS": names.CSS,
		// loader.js's early start: where it posts and how long it waits
		// (the client's own path and wait, from the contract).
		"StartPath":  contract.ClientStartPath,
		"ClientWait": strconv.Itoa(int(contract.ClientWait / time.Millisecond)),
	}
	var p page
	var b strings.Builder
	rest := text
	summary := false // inside {{.Summary}}…{{end}}
	seen := map[string]bool{}
	flush := func(slot string) {
		if b.Len() > 0 || slot != "" {
			p = append(p, piece{slot: slot, text: b.String()})
		}
		b.Reset()
	}
	for {
		before, after, ok := strings.Cut(rest, "{{")
		b.WriteString(before)
		if !ok {
			break
		}
		action, tail, ok := strings.Cut(after, "}}")
		if !ok {
			return nil, fmt.Errorf("assets: page: unclosed {{")
		}
		rest = tail
		action = strings.TrimSpace(action)
		switch {
		case action == "end" && summary:
			flush(slotSummary)
			summary = false
			continue
		case (action == "."+slotLang || action == "."+slotSummary) && !summary && !seen[action]:
			seen[action] = true
			flush("")
			if action == "."+slotLang {
				flush(slotLang)
			} else {
				summary = true
			}
			continue
		}
		key, ok := strings.CutPrefix(action, ".")
		v, known := fields[key]
		if !ok || !known {
			return nil, fmt.Errorf("assets: page: unknown or misplaced {{%s}}", action)
		}
		b.WriteString(html.EscapeString(v))
	}
	if summary {
		return nil, fmt.Errorf("assets: page: {{.Summary}} without {{end}}")
	}
	flush("")
	return p, nil
}

// write returns the page with lang and summary in their slots; "" leaves a
// slot's default (the skeleton's summary, defaultLang).
func (p page) write(lang, summary string) []byte {
	if lang == "" {
		lang = defaultLang
	}
	n := len(lang) + len(summary)
	for _, pc := range p {
		n += len(pc.text)
	}
	out := make([]byte, 0, n)
	for _, pc := range p {
		switch {
		case pc.slot == slotLang:
			out = append(out, lang...)
		case pc.slot == slotSummary && summary != "":
			out = append(out, summary...)
		default:
			out = append(out, pc.text...)
		}
	}
	return out
}
