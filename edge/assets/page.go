package assets

import (
	"errors"
	"html"
	"net/http"
	"strconv"

	"github.com/honnin/honnin/edge/jsonapi"
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
// token may frame the page, which submits no form.
//
// An EMV session's page differs in two directives. frame-ancestors is *:
// the 3DS Requestor's page frames the ACS's challenge (it posts the CReq
// into its iframe), and that page's origin is known neither to the ACS nor
// to the issuer — the AReq names the notificationURL and the requestor's
// URL, neither of which need be the framing page's origin; what the page
// holds is the cardholder's to see, and its result goes only to the
// notificationURL through the edge. form-action is 'self': the client ends
// the challenge with a form POST to the edge's /3ds/v2/cres (a top-level
// navigation of the frame, which the final CRes page needs), and nowhere
// else.
func csp(s Session) string {
	ancestors, action := s.MerchantOrigin, "'none'"
	if s.EMV {
		ancestors, action = "*", "'self'"
	}
	return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; " +
		"img-src 'self' data:; frame-ancestors " + ancestors + "; base-uri 'none'; form-action " + action
}

// challenge serves the iframe page for a valid session token.
func (h *Handler) challenge(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", cacheNone)
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Content-Type-Options", "nosniff")

	st := r.URL.Query().Get("st")
	var s Session
	var err error
	if st != "" {
		s, err = h.verify(st)
	}
	// mo goes into a header: anything but a plain origin (a ';' would add
	// CSP directives) is refused like a bad token.
	if st == "" || err != nil || !origin.Valid(s.MerchantOrigin) {
		code := "invalid_token"
		var je *jsonapi.Error
		if errors.As(err, &je) && je.Code == "expired" {
			code = "expired"
		}
		page := h.errorPage(code)
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		// Any page may frame this one: it says only that the token is not
		// valid, and tells the frame's parent so (loader.js).
		hdr.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'")
		hdr.Set("Content-Length", strconv.Itoa(len(page)))
		w.WriteHeader(http.StatusUnauthorized)
		if r.Method != http.MethodHead {
			_, _ = w.Write(page)
		}
		return
	}

	// The page is written for this session: its purchase's details, in
	// the browser's language (paint). Text and markup only: the CSP stays
	// as strict, with nothing inline.
	page := h.page.write(paint(s, r.Header.Get("Accept-Language")))
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", csp(s))
	hdr.Set("Content-Length", strconv.Itoa(len(page)))
	// The page's words follow Accept-Language (no-store keeps it out of
	// caches anyway).
	hdr.Set("Vary", "Accept-Language")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(page)
	}
}

// errorPage is the challenge page for a session token that is missing,
// forged or expired: the message, and loader.js with data-error, which
// tells the merchant page (Honnin.mount rejects with code) instead of
// starting the client.
func (h *Handler) errorPage(code string) []byte {
	return []byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>本人認証 / Authentication</title>
<link rel="stylesheet" href="/assets/` + h.names.CSS + `">
<script src="/assets/` + h.names.Loader + `" data-error="` + html.EscapeString(code) + `"></script>
</head><body><p id="status" class="status failed" role="alert">` + html.EscapeString(invalidSession) + `</p></body></html>
`)
}
