package view

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// maxSessionToken bounds the token TargetOrigin decodes; real session
// tokens are a few hundred bytes.
const maxSessionToken = 8 << 10

// maxOrigin bounds an origin; real ones are far shorter.
const maxOrigin = 2048

// TargetOrigin returns the origin the client may postMessage the result to.
//
// The result must reach the merchant page that embedded this frame and no
// one else, so the target is never "*". Two sources must agree: the `mo`
// claim inside the session token (which the edge verified before serving
// the page, and which the page's frame-ancestors CSP is built from) and the
// merchant_origin in the edge's JSON response. The token's signature is not
// checked here — the edge already did — the payload is only decoded. The
// origin must be a serialized http(s) origin: scheme://host[:port], lower
// case, no path, query, fragment or user info.
func TargetOrigin(sessionToken, responseOrigin string) (string, error) {
	if len(sessionToken) > maxSessionToken {
		return "", errors.New("view: target origin: session token too long")
	}
	parts := strings.Split(sessionToken, ".")
	if len(parts) != 3 || parts[1] == "" {
		return "", errors.New("view: target origin: session token is not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return "", errors.New("view: target origin: session token payload: " + err.Error())
	}
	var claims struct {
		MO *string `json:"mo"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", errors.New("view: target origin: session token claims: " + err.Error())
	}
	if claims.MO == nil {
		return "", errors.New("view: target origin: session token has no mo claim")
	}
	mo := *claims.MO
	if mo != responseOrigin {
		return "", errors.New("view: target origin: merchant origin of the edge response does not match the session token")
	}
	if !ValidOrigin(mo) {
		return "", errors.New("view: target origin: " + strconv.Quote(truncate(mo, 80)) + " is not an http(s) origin")
	}
	return mo, nil
}

// ValidOrigin reports whether s is a serialized http or https origin as
// browsers write it: lower-case scheme and host, optional port, nothing
// else. "null", "*" and anything with a path are refused.
func ValidOrigin(s string) bool {
	if len(s) > maxOrigin {
		return false
	}
	var rest string
	switch {
	case strings.HasPrefix(s, "https://"):
		rest = s[len("https://"):]
	case strings.HasPrefix(s, "http://"):
		rest = s[len("http://"):]
	default:
		return false
	}
	host, port := rest, ""
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return false
		}
		host, rest = rest[:end+1], rest[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return false
			}
			port = rest[1:]
			if port == "" {
				return false
			}
		}
		if !validIPv6Literal(host) {
			return false
		}
	} else {
		if i := strings.IndexByte(rest, ':'); i >= 0 {
			host, port = rest[:i], rest[i+1:]
			if port == "" {
				return false
			}
		}
		if !validHostName(host) {
			return false
		}
	}
	return port == "" || validPort(port)
}

// validHostName accepts lower-case DNS names and IPv4 addresses (letters,
// digits, hyphens, dots between non-empty labels). Internationalized names
// appear in origins as punycode, so nothing else is needed.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validIPv6Literal accepts "[...]" holding lower-case hex digits, colons
// and dots (an embedded IPv4 tail); zone ids never appear in origins.
func validIPv6Literal(h string) bool {
	inner := h[1 : len(h)-1]
	if len(inner) < 2 || !strings.Contains(inner, ":") {
		return false
	}
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}

func validPort(p string) bool {
	if len(p) > 5 || p[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
