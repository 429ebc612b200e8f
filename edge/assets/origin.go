package assets

import "strings"

// validOrigin reports whether s is a serialized http or https origin
// (scheme://host[:port], lower case, nothing else). The merchant origin
// goes into the frame-ancestors directive, so a value with ';', spaces or
// a path must never get there. The same rule guards the client's
// postMessage target in wasm/view; the two packages share no code because
// the client must not import the edge, nor the edge the client.
func validOrigin(s string) bool {
	if len(s) > 2048 {
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
		// IPv6 literal. Note that CSP source expressions cannot name IPv6
		// hosts: browsers ignore such a frame-ancestors source.
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return false
		}
		host, rest = rest[:end+1], rest[end+1:]
		if rest != "" {
			if rest[0] != ':' || len(rest) == 1 {
				return false
			}
			port = rest[1:]
		}
		inner := host[1 : len(host)-1]
		if len(inner) < 2 || !strings.Contains(inner, ":") {
			return false
		}
		for i := 0; i < len(inner); i++ {
			c := inner[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || c == ':' || c == '.') {
				return false
			}
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
