// Package safetext makes text that merchants and cardholders chose (a
// merchant's name, an issuer's display name) safe to show a cardholder in a
// code mail, a code SMS or a portal page.
//
// Such text is untrusted and ends up next to a one-time code: a line break
// in a merchant's name could forge a line of the message ("One-time
// password: 000000", or a second WebOTP line in an SMS), a bidirectional
// override could make the eye read it backwards, and a page-long name could
// push the code out of view. The mail, the SMS and the portal clean it the
// same way, here.
package safetext

import (
	"strings"
	"unicode"
)

// Clean returns s made safe to show: invalid UTF-8 becomes U+FFFD; control
// characters, line and paragraph separators (U+2028, U+2029, which some
// mail readers break a line at) and bidirectional controls become spaces;
// the result is cut to max runes, "…" marking a cut, and trimmed of
// surrounding space.
func Clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || isBidiControl(r) {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// isBidiControl reports whether r is one of Unicode's bidirectional
// controls (the Bidi_Control property): marks, embeddings, overrides and
// isolates.
func isBidiControl(r rune) bool {
	return r == '\u061c' || r == '\u200e' || r == '\u200f' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}
