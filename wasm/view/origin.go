package view

import (
	"errors"
	"strings"

	"github.com/honnin/honnin/edge/origin"
)

// maxSessionToken bounds the token TargetOrigin decodes; real session
// tokens are a few hundred bytes.
const maxSessionToken = 8 << 10

// TargetOrigin returns the origin the client may postMessage the result to.
//
// The result must reach the merchant page that embedded this frame and no
// one else, so the target is never "*". Two sources must agree: the `mo`
// claim inside the session token (which the edge verified before serving
// the page, and which the page's frame-ancestors CSP is built from) and the
// merchant_origin in the edge's JSON response. The token's signature is not
// checked here — the edge already did — the payload is only decoded. The
// origin must be a serialized http(s) origin (origin.Valid):
// scheme://host[:port], lower case, no path, query, fragment or user info.
func TargetOrigin(sessionToken, responseOrigin string) (string, error) {
	mo, err := PrepareTarget(sessionToken)
	if err != nil {
		return "", err
	}
	if mo != responseOrigin {
		return "", errors.New("view: target origin: merchant origin of the edge response does not match the session token")
	}
	return mo, nil
}

// PrepareTarget returns the origin the prepare frame may tell it is done:
// the session token's mo claim alone, a serialized http(s) origin, as in
// TargetOrigin. The prepare's answer (204) has no body to hold a second
// source, and none is needed: the message says only whether the prepare
// went through, and the page's frame-ancestors, built by the edge from
// the verified token, already let no other origin frame it.
func PrepareTarget(sessionToken string) (string, error) {
	claims, err := decodeClaims(sessionToken)
	if err != nil {
		return "", errors.New("view: target origin: " + strings.TrimPrefix(err.Error(), "view: "))
	}
	if claims.mo == nil {
		return "", errors.New("view: target origin: session token has no mo claim")
	}
	mo := *claims.mo
	if !origin.Valid(mo) {
		return "", errors.New("view: target origin: " + string(appendJSONString(nil, truncate(mo, 80))) + " is not an http(s) origin")
	}
	return mo, nil
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
