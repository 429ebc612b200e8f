package origin

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzCheck checks strings as origins. Properties: Check never panics and
// Valid agrees with it; what it accepts is, by net/url's reading, an http
// or https URL of a host and optional port and nothing else, whose
// scheme://host is the string itself (so comparing byte for byte is
// comparing origins); the host is lower case; a port is 1 to 65535 written
// without leading zeros. (A bracketed host is checked for its characters
// only: "[::::]" passes, and matches nothing a browser sends.)
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"https://shop.example", "http://localhost:8080", "http://127.0.0.1:8080", "https://[::1]:8443",
		"https://xn--r8jz45g.jp", "https://Shop.example", "https://shop.example/", "https://shop.example:0",
		"https://shop.example:08080", "https://a@b", "https://shop.example?x", "null", "*", "https://[::1",
		"https://[::1]x", "https://-a.example", "https://a..b", "http://[fe80::1%25eth0]", "https://shop.example:65536",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Check(s)
		if Valid(s) != (err == nil) {
			t.Fatalf("Valid and Check disagree on %q", s)
		}
		if err != nil {
			return
		}
		u, perr := url.Parse(s)
		if perr != nil {
			t.Fatalf("accepted %q, which net/url cannot parse: %v", s, perr)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.User != nil || u.Path != "" ||
			u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Scheme+"://"+u.Host != s {
			t.Fatalf("accepted %q, which net/url reads as %#v", s, u)
		}
		host := u.Hostname()
		if host == "" || strings.ToLower(host) != host {
			t.Fatalf("accepted %q with host %q", s, host)
		}
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != p {
				t.Fatalf("accepted %q with port %q", s, p)
			}
		} else if strings.HasSuffix(u.Host, ":") {
			t.Fatalf("accepted %q with an empty port", s)
		}
	})
}
