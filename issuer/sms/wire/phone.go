package wire

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidPhone is wrapped by every ParsePhone error.
var ErrInvalidPhone = errors.New("invalid phone number")

// ParsePhone turns a phone number as a cardholder or an operator types it
// into E.164 ("+819012345678"), the form every SMS provider wants:
//
//   - a Japanese mobile number, 090/080/070 and 8 digits ("090-1234-5678",
//     "０９０ー１２３４ー５６７８"), becomes +81 and the number without its 0;
//   - an international number with + ("+81 90 1234 5678", "+1 (415)
//     555-0100") is kept, its separators removed.
//
// Spaces, hyphens, dots and parentheses are separators; full-width digits
// and dashes (as Japanese input methods produce) count as their ASCII
// forms. Japanese numbers that cannot receive SMS (landlines 03-…, 050 IP
// phones, 020 pagers) are refused, in either form, so the mistake shows when
// the number is entered rather than as a failed delivery mid-purchase.
// Errors say what is wrong without repeating the number.
func ParsePhone(s string) (string, error) {
	bad := func(format string, a ...any) (string, error) {
		return "", fmt.Errorf("%w: %s", ErrInvalidPhone, fmt.Sprintf(format, a...))
	}
	var b strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == '+' || r == '＋':
			if i != 0 {
				return bad("+ may only begin the number")
			}
			plus = true
		case strings.ContainsRune(" \u3000-.()（）‐‑‒–—―−ー－", r):
		default:
			return bad("unexpected character %q; use digits, and + for an international number", r)
		}
	}
	d := b.String()
	if d == "" {
		return bad("no digits")
	}
	if plus {
		if d[0] == '0' {
			return bad("a country code cannot start with 0")
		}
		if len(d) < 8 || len(d) > 15 {
			return bad("%d digits after +; E.164 numbers have 8 to 15", len(d))
		}
		if strings.HasPrefix(d, "81") {
			nsn := d[2:]
			if strings.HasPrefix(nsn, "0") {
				return bad("after +81 leave out the leading 0 of the Japanese number")
			}
			if !jpMobile(nsn) {
				return bad("a Japanese number must be a mobile number (070, 080 or 090 and 8 digits) to receive SMS")
			}
		}
		return "+" + d, nil
	}
	if strings.HasPrefix(d, "00") || strings.HasPrefix(d, "010") {
		return bad("write an international number with + and the country code instead of a call prefix")
	}
	if d[0] != '0' {
		return bad("begin with + and the country code, or 0 for a Japanese number")
	}
	if !jpMobile(d[1:]) {
		return bad("a Japanese number must be a mobile number (070, 080 or 090 and 8 digits) to receive SMS")
	}
	return "+81" + d[1:], nil
}

// jpMobile reports whether nsn (the Japanese number without its leading 0)
// is a mobile number: 70, 80 or 90 and 8 more digits.
func jpMobile(nsn string) bool {
	if len(nsn) != 10 {
		return false
	}
	switch nsn[:2] {
	case "70", "80", "90":
		return true
	}
	return false
}

// IsE164 checks the form only: +, a non-zero first digit, 8 to 15 digits.
func IsE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	return strings.Trim(s[1:], "0123456789") == ""
}

// MaskPhone hides all but the last 4 digits of a phone number, in the
// layout of a Japanese mobile number whatever the country: "+819012345678"
// and "090-1234-5678" both become "***-****-5678". The challenge screen
// shows it so the cardholder knows which phone to look at; the fixed layout
// reveals nothing of the number's length or country. Input with fewer than
// 7 digits is no phone number and may be something else entirely, so none
// of it is shown: "***-****-****".
func MaskPhone(p string) string {
	var digits []byte
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r >= '０' && r <= '９':
			digits = append(digits, byte('0'+(r-'０')))
		}
	}
	if len(digits) < 7 {
		return "***-****-****"
	}
	return "***-****-" + string(digits[len(digits)-4:])
}
