package origin_test

import (
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/origin"
)

func TestValid(t *testing.T) {
	long := "http://" + strings.Repeat("a.", 1100) + "jp"
	tests := []struct {
		name, s string
		want    bool
	}{
		{"localhost with port", "http://localhost:8080", true},
		{"https", "https://shop.example.jp", true},
		{"https with port", "https://shop.example.jp:8443", true},
		{"ipv4", "http://127.0.0.1:8080", true},
		{"ipv6", "http://[::1]:8080", true},
		{"ipv6 without port", "https://[2001:db8::1]", true},
		{"ipv6 with ipv4 tail", "http://[::ffff:192.0.2.1]", true},
		{"punycode", "https://xn--eckwd4c7c.jp", true},
		{"hyphen inside label", "https://my-shop.example", true},
		{"port 1", "http://localhost:1", true},
		{"port 65535", "http://localhost:65535", true},
		{"63-byte label", "https://" + strings.Repeat("a", 63) + ".jp", true},
		{"empty", "", false},
		{"wildcard", "*", false},
		{"null", "null", false},
		{"'self'", "'self'", false},
		{"no scheme", "shop.example", false},
		{"scheme only", "https://", false},
		{"ftp", "ftp://shop.example", false},
		{"ws", "ws://a.example", false},
		{"file", "file://", false},
		{"javascript", "javascript:alert(1)", false},
		{"data", "data:text/html,hi", false},
		{"path", "http://localhost:8080/pay", false},
		{"path without port", "https://shop.example/checkout", false},
		{"trailing slash", "http://localhost:8080/", false},
		{"trailing slash without port", "https://shop.example/", false},
		{"query", "http://localhost:8080?x", false},
		{"fragment", "http://evil.example#@shop.example", false},
		{"userinfo", "http://user@a.example", false},
		{"userinfo lookalike", "http://shop.example@evil.example", false},
		{"userinfo with password", "http://u:p@a.example", false},
		{"semicolon", "http://a.example; script-src *", false},
		{"semicolon alone", "http://a.example;", false},
		{"space and keyword", "http://a.example 'unsafe-inline'", false},
		{"space in host", "http://shop .example", false},
		{"leading space", " http://a.example", false},
		{"trailing space", "http://a.example ", false},
		{"tab", "http://a.example\t", false},
		{"newline", "http://shop.example\n", false},
		{"header injection", "http://a.example\r\nSet-Cookie: x=1", false},
		{"comma list", "http://a.example,http://b.example", false},
		{"wildcard host", "https://*.example.jp", false},
		{"backslash", "http://evil.example\\shop.example", false},
		{"percent", "http://shop%2eexample", false},
		{"upper case scheme", "HTTP://localhost:8080", false},
		{"mixed case scheme", "Https://shop.example", false},
		{"upper case host", "http://Shop.example", false},
		{"upper case everything", "HTTP://A.EXAMPLE", false},
		{"upper case ipv6", "http://[2001:DB8::1]", false},
		{"unicode host", "https://ショップ.jp", false},
		{"underscore", "http://a_b.example", false},
		{"no host", "http://:8080", false},
		{"empty label", "http://shop..example", false},
		{"leading dot", "http://.example", false},
		{"trailing dot", "http://shop.example.", false},
		{"leading hyphen", "http://-shop.example", false},
		{"trailing hyphen", "http://shop-.example", false},
		{"64-byte label", "https://" + strings.Repeat("a", 64) + ".jp", false},
		{"empty port", "http://localhost:", false},
		{"port 0", "http://localhost:0", false},
		{"port 00", "http://localhost:00", false},
		{"port leading zero", "http://localhost:08080", false},
		{"port 65536", "http://localhost:65536", false},
		{"port 99999", "http://a.example:99999", false},
		{"port six digits", "http://localhost:100000", false},
		{"port not a number", "http://localhost:80a", false},
		{"port sign", "http://localhost:+80", false},
		{"two ports", "http://localhost:80:80", false},
		{"ipv6 unclosed", "http://[::1", false},
		{"ipv6 empty", "http://[]", false},
		{"ipv6 one colon only", "http://[:]", false},
		{"ipv6 no colon", "http://[1234]", false},
		{"ipv6 zone", "http://[fe80::1%25eth0]", false},
		{"ipv6 junk after", "http://[::1]x", false},
		{"ipv6 path", "http://[::1]/", false},
		{"ipv6 empty port", "http://[::1]:", false},
		{"ipv6 port 0", "http://[::1]:0", false},
		{"ipv6 port 65536", "http://[::1]:65536", false},
		{"ipv6 bare", "http://::1", false},
		{"too long", long, false},
		{"too long with valid labels", "https://" + strings.Repeat("a", 63) + "." + strings.Repeat("b.", 1000) + "jp", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := origin.Valid(tt.s); got != tt.want {
				t.Errorf("Valid(%q) = %v, want %v", tt.s, got, tt.want)
			}
			err := origin.Check(tt.s)
			if (err == nil) != tt.want {
				t.Errorf("Check(%q) = %v, want valid %v", tt.s, err, tt.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "origin: ") {
				t.Errorf("Check(%q) = %q, want an \"origin: \" reason", tt.s, err)
			}
		})
	}
}

// Check says which part is wrong.
func TestCheckReason(t *testing.T) {
	for s, want := range map[string]string{
		"ftp://a.example":    "http:// or https://",
		"http://a.example/":  "host",
		"http://a.example:0": "port",
		"http://[::1]x":      "after the IPv6 literal",
		"http://[::g]":       "IPv6",
		"http://" + strings.Repeat("a", origin.MaxLen): "longer than 2048",
	} {
		if err := origin.Check(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%.40q) = %v, want a reason with %q", s, err, want)
		}
	}
}
