package assets

import (
	"net/http"
	"strconv"

	"github.com/honnin/honnin/edge/origin"
)

// invalidSession is the whole answer to a bad or expired session token:
// plain text, no challenge page. It stays frameable so the merchant's
// iframe shows it instead of a browser error.
const invalidSession = "この認証は無効か、有効期限が切れています。ショップの画面からやり直してください。\n" +
	"This authentication is not valid or has expired. Return to the shop and try again.\n"

// csp returns the page's Content-Security-Policy. Scripts only from the
// edge (wasm_exec.js, loader.js) plus wasm compilation; fetches only to the
// edge; no inline anything; and only the merchant origin from the session
// token may frame the page.
func csp(merchantOrigin string) string {
	return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; " +
		"img-src 'self' data:; frame-ancestors " + merchantOrigin + "; base-uri 'none'; form-action 'none'"
}

// challenge serves the iframe page for a valid session token.
func (h *Handler) challenge(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", cacheNone)
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Content-Type-Options", "nosniff")

	st := r.URL.Query().Get("st")
	mo, err := "", error(nil)
	if st != "" {
		mo, err = h.verify(st)
	}
	// mo goes into a header: anything but a plain origin (a ';' would add
	// CSP directives) is refused like a bad token.
	if st == "" || err != nil || !origin.Valid(mo) {
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		hdr.Set("Content-Security-Policy", "default-src 'none'")
		hdr.Set("Content-Length", strconv.Itoa(len(invalidSession)))
		w.WriteHeader(http.StatusUnauthorized)
		if r.Method != http.MethodHead {
			_, _ = w.Write([]byte(invalidSession))
		}
		return
	}

	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", csp(mo))
	hdr.Set("Content-Length", strconv.Itoa(len(h.page)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(h.page)
	}
}
