// Package origin checks serialized web origins: "scheme://host[:port]" as a
// browser writes it in an Origin header or in MessageEvent.origin.
//
// An origin is compared byte for byte (a result token's aud, a merchant's
// registered origins, postMessage's targetOrigin) and is put into a header
// (the challenge page's frame-ancestors), so only the exact serialized form
// passes: http or https, a lower-case DNS name, IPv4 address or IPv6
// literal, an optional port, and nothing else — no path or trailing slash,
// no query, fragment or user info, no ';', spaces or wildcards.
//
// It imports nothing but the standard library, and little of it: the wasm
// client, the edge and the issuer all use it.
package origin

import (
	"errors"
	"strings"
)

// MaxLen bounds an origin; real ones are far shorter.
const MaxLen = 2048

// Reasons Check gives.
var (
	errTooLong   = errors.New("origin: longer than 2048 bytes")
	errScheme    = errors.New("origin: does not start with http:// or https://")
	errIPv6      = errors.New("origin: not a lower-case IPv6 literal [...]")
	errAfterIPv6 = errors.New("origin: something other than a port after the IPv6 literal")
	errHost      = errors.New("origin: host is not a lower-case DNS name or IPv4 address (no path, trailing slash, user info, query or fragment)")
	errPort      = errors.New("origin: port is not a number from 1 to 65535 without leading zeros")
)

// Valid reports whether s is a serialized http or https origin.
func Valid(s string) bool { return Check(s) == nil }

// Check returns nil if s is a serialized http or https origin, or an error
// saying what is wrong with it.
func Check(s string) error {
	if len(s) > MaxLen {
		return errTooLong
	}
	var rest string
	switch {
	case strings.HasPrefix(s, "https://"):
		rest = s[len("https://"):]
	case strings.HasPrefix(s, "http://"):
		rest = s[len("http://"):]
	default:
		return errScheme
	}
	host, port, hasPort := rest, "", false
	if strings.HasPrefix(rest, "[") {
		// IPv6 literal. Note that CSP source expressions cannot name IPv6
		// hosts: browsers ignore such a frame-ancestors source.
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return errIPv6
		}
		host, rest = rest[:end+1], rest[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return errAfterIPv6
			}
			port, hasPort = rest[1:], true
		}
		if !validIPv6Literal(host) {
			return errIPv6
		}
	} else {
		if i := strings.IndexByte(rest, ':'); i >= 0 {
			host, port, hasPort = rest[:i], rest[i+1:], true
		}
		if !validHostName(host) {
			return errHost
		}
	}
	if hasPort && !validPort(port) {
		return errPort
	}
	return nil
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

// validIPv6Literal accepts "[...]" holding an IPv6 address as RFC 4291
// §2.2 writes it: eight groups of one to four lower-case hex digits, or
// fewer with one "::" standing for the rest, the last two groups possibly
// a dotted IPv4 address. Zone ids never appear in origins. (net/netip
// would do, but the wasm client does not link it otherwise.)
func validIPv6Literal(h string) bool {
	inner := h[1 : len(h)-1]
	groups := 0
	if i := strings.LastIndexByte(inner, ':'); i >= 0 && strings.IndexByte(inner[i:], '.') >= 0 {
		if !validIPv4(inner[i+1:]) {
			return false
		}
		inner, groups = inner[:i+1], 2
		if !strings.HasSuffix(inner, "::") {
			inner = inner[:i] // "a:b:1.2.3.4": drop the separator too
		}
	}
	head, tail, compressed := strings.Cut(inner, "::")
	if compressed && strings.Contains(tail, "::") {
		return false
	}
	for _, part := range []string{head, tail} {
		if part == "" {
			continue
		}
		for _, g := range strings.Split(part, ":") {
			if g == "" || len(g) > 4 {
				return false
			}
			for j := 0; j < len(g); j++ {
				if c := g[j]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
					return false
				}
			}
			groups++
		}
	}
	if compressed {
		return groups < 8
	}
	return groups == 8
}

// validIPv4 accepts four decimal octets 0 to 255 without leading zeros.
func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || (len(p) > 1 && p[0] == '0') {
			return false
		}
		n := 0
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return false
			}
			n = n*10 + int(p[j]-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}

// validPort accepts 1 to 65535, written without leading zeros.
func validPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' {
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
