// Package devicecookie carries the edge's device cookie
// (contract.DeviceCookieName) between the browser and the issuer: the edge
// reads it from a request and passes it on unread, and sets what the issuer
// answers. Only the issuer mints or checks a value (it signs it), so the
// edge keeps no secret for it and trusts nothing in it.
//
// The cookie is Partitioned (CHIPS): the edge's frame lives inside merchant
// pages of many sites, and a browser keeps one jar per top-level site for
// it, also where third-party cookies are blocked. SameSite=None because
// every request that carries it comes from a frame inside another site's
// page; Secure, which SameSite=None and Partitioned require (browsers treat
// http://localhost as secure, so the dev stack keeps it too); HttpOnly,
// because no script, the edge's own client included, needs to read it.
package devicecookie

import (
	"net/http"
	"strconv"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// MaxAge is how long the browser keeps the cookie: 400 days, the longest a
// browser keeps any (RFC 6265bis caps Max-Age there). The issuer sets it
// only when it mints an id (a browser that presents a cookie it signed is
// given none: issuer/api TestDeviceCookie), so a device id lasts 400 days
// from its first purchase; then the browser is a new device, once.
const MaxAge = 400 * 24 * time.Hour

// Read returns the request's device cookie, or "" when it has none or one
// the issuer would refuse to read (longer than contract.EdgeSignals allows):
// a cookie the edge cannot pass on is dropped, never a reason to refuse the
// cardholder.
func Read(r *http.Request) string {
	c, err := r.Cookie(contract.DeviceCookieName)
	if err != nil || !valid(c.Value) {
		return ""
	}
	return c.Value
}

// Set adds the Set-Cookie of value to w's header, and reports whether it
// did: a value that is empty, too long or holds a byte a cookie cannot is
// not set (the issuer's fault, for the caller to log).
func Set(w http.ResponseWriter, value string) bool {
	if value == "" || !valid(value) {
		return false
	}
	w.Header().Add("Set-Cookie", Header(value))
	return true
}

// Header is the Set-Cookie value for value, which the caller checked. It is
// written out rather than built with http.Cookie so that every attribute
// is fixed here, in this order, on both runtimes.
func Header(value string) string {
	return contract.DeviceCookieName + "=" + value + "; Path=/; Max-Age=" + strconv.Itoa(int(MaxAge/time.Second)) +
		"; Secure; HttpOnly; SameSite=None; Partitioned"
}

// valid reports whether v fits contract.EdgeSignals.DeviceCookie and is a
// cookie value of RFC 6265 §4.1.1 (cookie-octets, unquoted): nothing that
// could end the header's value or add an attribute.
func valid(v string) bool {
	if (&contract.EdgeSignals{DeviceCookie: v}).Validate() != nil {
		return false
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c < 0x21, c > 0x7e, c == '"', c == ',', c == ';', c == '\\':
			return false
		}
	}
	return true
}
