// Package onetime is honnin's one policy for one-time codes: how a code is
// drawn (Generate), how what a person typed becomes a code (Normalize), and
// the numbers that bound a code (Policy), named per purpose: Purchase (the
// challenge's email and SMS code), PortalSignIn (the portal's sign-in and
// card-link code) and ContactChange (the code that confirms a new email
// address or phone).
//
// It is a stdlib-only leaf under edge/ (the meeting point, beside
// edge/limits, whose numbers the policies name): the wasm client normalises
// the code a cardholder types with it, the issuer draws and checks its
// codes with it. Where a code is kept and its tries counted stays with its
// owner (the edge's ledger for a purchase, issuer/store for the portal's
// codes), which takes the numbers from here: one rule, one place.
//
// Generate is not built for js/wasm: no code is drawn in a browser or in
// the Workers edge, and crypto/rand's packages would add about 50 KiB
// (gzip, 4.5 %) to the wasm client, which imports this package only to
// normalise.
package onetime

import (
	"errors"
	"unicode"
)

// Why Normalize refused a code. They are distinct so that a caller can say
// which: "enter the code", "only digits", "the code has 6 digits".
var (
	// ErrEmpty: nothing but spaces and hyphens (or nothing) was typed.
	ErrEmpty = errors.New("onetime: no code typed")
	// ErrNotDigit: a character is neither a digit (ASCII or full-width)
	// nor a space or hyphen.
	ErrNotDigit = errors.New("onetime: the code has a character that is not a digit")
	// ErrLength: only digits, but too few or too many.
	ErrLength = errors.New("onetime: the code has the wrong number of digits")
)

// Normalize turns what a person typed into a code of exactly digits ASCII
// digits, by the one rule every purpose and every side applies:
//
//   - ASCII digits are kept; full-width digits (０–９, U+FF10–U+FF19, what a
//     Japanese IME types) become ASCII;
//   - white space is dropped anywhere: ASCII spaces, tabs and line breaks,
//     the no-break space and the ideographic space (U+3000) among others
//     (unicode.IsSpace), so "123 456", "１２３　４５６" and a code pasted
//     with a trailing newline pass;
//   - hyphens and dashes are dropped anywhere, so a code copied as
//     "123-456" passes: '-', U+2010–U+2015 (hyphen to horizontal bar),
//     U+2212 (minus), U+FF0D (full-width hyphen-minus), and U+30FC and
//     U+FF70 (the prolonged sound mark ー/ｰ: a Japanese IME in kana mode
//     types it for the '-' key);
//   - anything else is ErrNotDigit: letters, other scripts' digits
//     (Arabic-Indic, Devanagari, circled ①), zero-width characters, invalid
//     UTF-8. A code is never guessed from them.
//
// Then the digits must number exactly digits: none is ErrEmpty, another
// count ErrLength. Dropping separators cannot make a wrong code right (the
// digits and their order are what was typed), so the rule is as lenient
// as is harmless and no more. The result of a success normalises to
// itself.
func Normalize(typed string, digits int) (string, error) {
	out := make([]byte, 0, max(digits, 0))
	n := 0
	for _, r := range typed {
		switch {
		case '0' <= r && r <= '9':
		case '０' <= r && r <= '９':
			r = r - '０' + '0'
		case separator(r):
			continue
		default:
			// A character that is not a digit says more than a count
			// does, so it wins over ErrLength wherever it is.
			return "", ErrNotDigit
		}
		if n < digits {
			out = append(out, byte(r))
		}
		n++
	}
	switch {
	case n == 0:
		return "", ErrEmpty
	case n != digits:
		return "", ErrLength
	}
	return string(out), nil
}

// separator reports whether r is dropped from a typed code: white space, or
// a hyphen or dash (see Normalize).
func separator(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\uFF0D', '\u30FC', '\uFF70':
		return true
	}
	return unicode.IsSpace(r)
}
