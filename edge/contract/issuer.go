package contract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Longest parts of an Issuer, in characters: a brand name, a phone number
// as people write it ("0120-123-456", "+81 3-1234-5678"), a portal URL.
const (
	IssuerNameMaxRunes  = 64
	IssuerPhoneMaxRunes = 32
	IssuerPortalMaxLen  = 256
)

// Issuer is who the cardholder can turn to: the issuer's name, phone and
// cardholder portal, from the issuer's configuration (issuer serve
// -issuer-name, -issuer-phone, -portal-url). The issuer sends it with
// every start (StartResponse.Issuer), the edge passes it on in the start's
// screen (Screen.Issuer), and the client keeps it for the whole challenge:
// its brand line, and the contact a denied or locked card needs. Empty
// parts are left out of the screen's words, never guessed.
type Issuer struct {
	Name   string `json:"name,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Portal string `json:"portal_url,omitempty"`
}

// Valid reports whether every part of i is one a screen may show as it
// is: one line of printable text within its length, and the portal an
// absolute http or https URL. The edge drops an Issuer that is not valid
// rather than show it (the screen then says "your card issuer").
func (i Issuer) Valid() bool {
	return line(i.Name, IssuerNameMaxRunes) && line(i.Phone, IssuerPhoneMaxRunes) &&
		(i.Portal == "" || ValidPortalURL(i.Portal))
}

// IsZero reports whether i names nothing.
func (i Issuer) IsZero() bool { return i == Issuer{} }

// ValidPortalURL reports whether s is an absolute http(s) URL with a host
// and no user part, short enough to show, with no space in it. It reads
// the URL by hand: net/url would put a networking package into the wasm
// client, which links this package (TestImportRules).
func ValidPortalURL(s string) bool {
	if len(s) > IssuerPortalMaxLen || !line(s, IssuerPortalMaxLen) || strings.ContainsAny(s, " \t\\") {
		return false
	}
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return false
		}
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, "?")
	host, _, _ = strings.Cut(host, "#")
	return host != "" && !strings.Contains(host, "@")
}

// line reports whether s is valid UTF-8 of at most n characters with no
// control characters and no leading or trailing space.
func line(s string, n int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > n || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}
