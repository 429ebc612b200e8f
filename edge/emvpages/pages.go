package emvpages

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/honnin/honnin/edge/assets"
	"github.com/honnin/honnin/edge/emv3ds"
)

// The pages are built with html.EscapeString rather than html/template,
// which the Workers edge cannot afford (edge/assets' render says why);
// every value goes into a quoted attribute or text, escaped.

// Inline scripts, allowed by their CSP hash (no 'unsafe-inline'): the
// pages are answers to a POST, one per transaction, so a script file would
// be one more request for each, and a hash keeps them as static as a file.
const (
	// postScript submits the page's one form at once: the final CRes, or
	// the issuer's message, to the notificationURL; the 3DS Method page's
	// notification is methodScript's.
	postScript = `document.getElementById("post").submit();`
	// methodScript submits the 3DS Method's notification once: when the
	// client says it is done (the honnin:method-done event, after its POST
	// of the device data), or after methodWait whatever the client did —
	// the requestor waits 10 s for it and then goes on without (note §7),
	// and a late notification is worth nothing. It runs before the
	// client's deferred scripts, so its listener is there first.
	methodScript = `(function(){var f=document.getElementById("post"),sent=false;` +
		`function go(){if(!sent){sent=true;f.submit();}}` +
		`document.addEventListener("honnin:method-done",go);setTimeout(go,8000);})();`
)

// cspHash is the CSP source of an inline script.
func cspHash(script string) string {
	sum := sha256.Sum256([]byte(script))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

var (
	postHash   = cspHash(postScript)
	methodHash = cspHash(methodScript)
)

// frame-ancestors * on every page: they all load in the 3DS Requestor's
// frames (the challenge iframe, the Method's hidden iframe), whose page's
// origin the ACS is never told (edge/assets' csp says more).

// postCSP is the policy of a page that posts one form to target (an
// origin): its one script by hash, nothing else loads.
func postCSP(target string) string {
	return "default-src 'none'; script-src " + postHash + "; form-action " + target +
		"; frame-ancestors *; base-uri 'none'"
}

// methodCSP is the 3DS Method page's: postCSP's, plus the challenge
// client (wasm_exec.js, loader.js and the wasm from the edge, wasm
// compilation) and its fetches to the edge.
func methodCSP(target string) string {
	return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' " + methodHash + "; connect-src 'self'; form-action " + target +
		"; frame-ancestors *; base-uri 'none'"
}

// errorCSP is the policy of a page that only says what went wrong.
const errorCSP = "default-src 'none'; form-action 'none'; frame-ancestors *; base-uri 'none'"

const pageHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
	`<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>本人認証 / Authentication</title>
`

// field is one hidden input of a posted form.
type field struct{ name, value string }

// postPage is the page that form-POSTs fields to action at once (its
// inline script), or on the button when scripts are off.
func postPage(action string, fields ...field) []byte {
	var b strings.Builder
	b.WriteString(pageHead)
	b.WriteString("</head><body>\n")
	writeForm(&b, action, fields)
	b.WriteString("<script>" + postScript + "</script>\n</body></html>\n")
	return []byte(b.String())
}

// writeForm writes the form #post with its hidden fields and the
// <noscript> button.
func writeForm(b *strings.Builder, action string, fields []field) {
	b.WriteString(`<form id="post" method="post" action="` + html.EscapeString(action) + `">` + "\n")
	for _, f := range fields {
		b.WriteString(`<input type="hidden" name="` + html.EscapeString(f.name) + `" value="` + html.EscapeString(f.value) + `">` + "\n")
	}
	b.WriteString(`<noscript><p><span lang="ja">JavaScript が無効です。ボタンを押して続けてください。</span> ` +
		`JavaScript is off: press the button to continue.</p><button type="submit">続ける / Continue</button></noscript>` + "\n</form>\n")
}

// methodPage is the 3DS Method's page: the form of the notification
// (methodScript submits it), the method token for the client, and the
// challenge client in method mode.
func methodPage(c assets.ClientPaths, token, action string, fields ...field) []byte {
	var b strings.Builder
	b.WriteString(pageHead)
	b.WriteString(`<script src="` + html.EscapeString(c.WasmExec) + `" defer></script>` + "\n")
	b.WriteString(`<script src="` + html.EscapeString(c.Loader) + `" data-wasm="` + html.EscapeString(c.Wasm) + `" defer></script>` + "\n")
	b.WriteString("</head><body>\n")
	b.WriteString(`<div id="method" data-token="` + html.EscapeString(token) + `" hidden></div>` + "\n")
	writeForm(&b, action, fields)
	b.WriteString("<script>" + methodScript + "</script>\n</body></html>\n")
	return []byte(b.String())
}

// erroPage says, in the frame, why the ACS could not take the CReq: the
// Erro's code, description and detail. Nothing is posted: without a
// transaction the edge knows there is no notificationURL it may trust.
func erroPage(e *emv3ds.Erro) []byte {
	var b strings.Builder
	b.WriteString(pageHead)
	b.WriteString("</head><body>\n")
	b.WriteString(`<p class="status failed" role="alert"><span lang="ja">本人認証を始められませんでした。</span> ` +
		"The authentication could not be started.</p>\n")
	b.WriteString(`<p id="erro" data-error-code="` + html.EscapeString(e.ErrorCode) + `">Erro ` + html.EscapeString(e.ErrorCode) +
		" (" + html.EscapeString(e.ErrorComponent) + "): " + html.EscapeString(e.ErrorDescription) + ": " +
		html.EscapeString(e.ErrorDetail) + "</p>\n</body></html>\n")
	return []byte(b.String())
}

// messagePage is a page that only says msg (an expired or forged session,
// a form the edge cannot read, the issuer down).
func messagePage(ja, en string) []byte {
	return []byte(pageHead + "</head><body>\n" + `<p class="status failed" role="alert"><span lang="ja">` + html.EscapeString(ja) +
		"</span> " + html.EscapeString(en) + "</p>\n</body></html>\n")
}

// write sends a page with the headers every page of this package has:
// never cached (each is one transaction's), no referrer (the pages and
// their URLs carry tokens), its CSP.
func write(w http.ResponseWriter, status int, csp string, page []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", csp)
	hdr.Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	_, _ = w.Write(page)
}
