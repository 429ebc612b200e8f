package view

import (
	"errors"
	"unicode"

	"github.com/honnin/honnin/edge/limits"
)

// Code validation errors; the model shows them without a round trip.
var (
	ErrCodeEmpty  = errors.New("view: no code entered")
	ErrCodeFormat = errors.New("view: the code must be 6 digits")
	ErrPassword   = errors.New("view: the password is too long")
)

// MaxPassword is the longest password, in characters (the input's
// maxlength): edge/limits', the one rule the edge and the issuer apply.
const MaxPassword = limits.PasswordMaxRunes

// CheckPassword checks a password for the password method with the rule
// the edge and the issuer apply (limits.ValidPassword), taken as typed (no
// folding, no trimming: spaces may be part of it).
func CheckPassword(s string) error {
	if s == "" {
		return ErrCodeEmpty
	}
	if !limits.ValidPassword(s) {
		return ErrPassword
	}
	return nil
}

// NormalizeCode turns what the cardholder typed into the 6 ASCII digits the
// edge expects. Japanese IMEs often produce full-width digits (０-９), and
// codes are often typed or pasted with spaces ("123 456", a trailing space
// from a mail client), so full-width digits are converted and white space
// (ASCII and U+3000 ideographic space) is dropped anywhere. Anything else,
// including other scripts' digits, is refused.
func NormalizeCode(s string) (string, error) {
	var out [6]byte
	n := 0
	for _, r := range s {
		var d rune
		switch {
		case '0' <= r && r <= '9':
			d = r
		case '０' <= r && r <= '９':
			d = r - '０' + '0'
		case unicode.IsSpace(r):
			continue
		default:
			return "", ErrCodeFormat
		}
		if n == len(out) {
			return "", ErrCodeFormat
		}
		out[n] = byte(d)
		n++
	}
	switch n {
	case 0:
		return "", ErrCodeEmpty
	case len(out):
		return string(out[:]), nil
	}
	return "", ErrCodeFormat
}
