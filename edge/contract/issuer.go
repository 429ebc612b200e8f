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
	// IssuerLogoMaxLen bounds a logo's data: URL: it travels in every
	// start's answer and screen, so it is a small mark, not a photograph
	// (12 KiB of image in base64).
	IssuerLogoMaxLen = 16 << 10
)

// MinContrast is the least contrast ratio (WCAG 2, "AA" for body text) an
// issuer's colours must keep with white: the brand colour is the
// background of white button text, the accent colour is link text on the
// white page.
const MinContrast = 4.5

// Issuer is who the cardholder can turn to: the issuer's name, phone and
// cardholder portal, and how its page looks (logo, colours), from the
// issuer's configuration (issuer serve -issuer-name, -issuer-phone,
// -portal-url, -branding; a card range's own, issuer ranges add
// -branding, overrides it for the range's cards). The issuer sends it with
// every start (StartResponse.Issuer), the edge passes it on in the start's
// screen (Screen.Issuer), and the client keeps it for the whole challenge:
// its brand line, and the contact a denied or locked card needs. Empty
// parts are left out of the screen's words, never guessed.
type Issuer struct {
	Name   string `json:"name,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Portal string `json:"portal_url,omitempty"`
	// Logo is a data: URL of a PNG, JPEG, WebP or SVG image (ValidLogo):
	// the challenge page's CSP allows images from itself and data: only,
	// and a logo inline needs no other host to see the cardholder.
	Logo string `json:"logo,omitempty"`
	// Color is the brand colour, #rrggbb: the background of the primary
	// button, under white text. Accent, #rrggbb, is the colour of links
	// on the white page. Each keeps MinContrast with white (ValidColor).
	Color  string `json:"color,omitempty"`
	Accent string `json:"accent,omitempty"`
}

// Valid reports whether every part of i is one a screen may show as it
// is: one line of printable text within its length, and the portal an
// absolute http or https URL. The edge drops an Issuer that is not valid
// rather than show it (the screen then says "your card issuer").
func (i Issuer) Valid() bool {
	return i.ValidContact() && (i.Logo == "" || ValidLogo(i.Logo)) &&
		(i.Color == "" || ValidColor(i.Color)) && (i.Accent == "" || ValidColor(i.Accent))
}

// ValidContact is Valid for the name, phone and portal alone. The wasm
// client checks those with it, and the logo and colours only for their
// form (the edge ran Valid before sending them; a browser shows nothing
// but an image from a data: URL, and takes nothing but a colour for a
// colour property), sparing its download the contrast arithmetic.
func (i Issuer) ValidContact() bool {
	return line(i.Name, IssuerNameMaxRunes) && line(i.Phone, IssuerPhoneMaxRunes) &&
		(i.Portal == "" || ValidPortalURL(i.Portal))
}

// Over returns i with every part that o sets replaced by o's: a card
// range's brand over the issuer's default.
func (i Issuer) Over(o Issuer) Issuer {
	for _, p := range [...]struct {
		dst *string
		src string
	}{
		{&i.Name, o.Name}, {&i.Phone, o.Phone}, {&i.Portal, o.Portal},
		{&i.Logo, o.Logo}, {&i.Color, o.Color}, {&i.Accent, o.Accent},
	} {
		if p.src != "" {
			*p.dst = p.src
		}
	}
	return i
}

// ValidColor reports whether s is a colour written #rrggbb (lower or upper
// case hex) with at least MinContrast against white.
func ValidColor(s string) bool {
	r, g, b, ok := ParseColor(s)
	return ok && Contrast(r, g, b, 255, 255, 255) >= MinContrast
}

// ParseColor reads a colour written #rrggbb; ok is false for any other
// form (#rgb, names, rgb()): one form is all a configuration needs, and
// the only one that goes into a CSS custom property unchecked.
func ParseColor(s string) (r, g, b uint8, ok bool) {
	if len(s) != 7 || s[0] != '#' {
		return 0, 0, 0, false
	}
	var v [3]uint8
	for i := range v {
		hi, ok1 := hexDigit(s[1+2*i])
		lo, ok2 := hexDigit(s[2+2*i])
		if !ok1 || !ok2 {
			return 0, 0, 0, false
		}
		v[i] = hi<<4 | lo
	}
	return v[0], v[1], v[2], true
}

func hexDigit(c byte) (uint8, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Contrast is the WCAG 2 contrast ratio of two sRGB colours, 1 to 21.
func Contrast(r1, g1, b1, r2, g2, b2 uint8) float64 {
	l1, l2 := luminance(r1, g1, b1), luminance(r2, g2, b2)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}

// luminance is the WCAG 2 relative luminance of an sRGB colour.
func luminance(r, g, b uint8) float64 {
	lin := func(c uint8) float64 {
		v := float64(c) / 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return pow24((v + 0.055) / 1.055)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// pow24 is x^2.4 for x in [0, 1]: the fifth root of x^12 by Newton's
// method, from above. math.Pow would do, but it links exp and log into the
// wasm client (which checks an Issuer with Valid), some kilobytes for
// three numbers a screen reads once.
func pow24(x float64) float64 {
	x2 := x * x
	x4 := x2 * x2
	a := x4 * x4 * x4 // x^12
	if a == 0 {
		return 0
	}
	y := 1.0 // above the root: Newton then falls to it without overshooting
	for range 200 {
		y4 := y * y * y * y
		next := (4*y + a/y4) / 5
		if next >= y {
			break
		}
		y = next
	}
	return y
}

// ValidLogo reports whether s is a base64 data: URL of a PNG, JPEG, WebP
// or SVG image (what every browser shows in an <img>, where an SVG runs no
// script), at most IssuerLogoMaxLen long. It is written out by hand: the
// wasm client links it, and each package it would call costs there.
func ValidLogo(s string) bool {
	if len(s) > IssuerLogoMaxLen {
		return false
	}
	var data string
	for _, t := range [...]string{"png", "jpeg", "webp", "svg+xml"} {
		if p := "data:image/" + t + ";base64,"; len(s) > len(p) && s[:len(p)] == p {
			data = s[len(p):]
		}
	}
	if data == "" || len(data)%4 != 0 {
		return false
	}
	pad := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '=' && i >= len(data)-2:
			pad++
		case pad > 0:
			return false
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}

// IsZero reports whether i names nothing.
func (i Issuer) IsZero() bool { return i == Issuer{} }

// ValidPortalURL reports whether s is an absolute https URL with a host
// and no user part, short enough to show, with no space in it; plain http
// only on the loopback host (localhost, 127.0.0.1, [::1]: a test stack),
// since a cardholder signs in there. It reads
// the URL by hand: net/url would put a networking package into the wasm
// client, which links this package (TestImportRules).
func ValidPortalURL(s string) bool {
	if len(s) > IssuerPortalMaxLen || !line(s, IssuerPortalMaxLen) || strings.ContainsAny(s, " \t\\") {
		return false
	}
	rest, secure := strings.CutPrefix(s, "https://")
	if !secure {
		var ok bool
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return false
		}
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, "?")
	host, _, _ = strings.Cut(host, "#")
	if host == "" || strings.Contains(host, "@") {
		return false
	}
	return secure || loopback(host)
}

// loopback reports whether host (with an optional port) is this machine
// by one of its usual names: localhost, 127.0.0.1, [::1].
func loopback(host string) bool {
	for _, name := range [...]string{"localhost", "127.0.0.1", "[::1]"} {
		if len(host) >= len(name) && host[:len(name)] == name && (len(host) == len(name) || host[len(name)] == ':') {
			return true
		}
	}
	return false
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
