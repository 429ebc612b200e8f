package pan

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// ErrInvalid is returned, wrapped with the reason, for a string that is not a
// card number.
var ErrInvalid = errors.New("invalid card number")

// Length bounds of a PAN (ISO/IEC 7812-1).
const (
	MinLen = 13
	MaxLen = 19
)

// Number is a normalised card number: MinLen to MaxLen ASCII digits whose
// last one is the Luhn check digit. The only way to make one from outside is
// Parse, so holding a Number means it passed.
type Number string

// Parse normalises s (spaces and dashes, as people type them, are removed)
// and checks the digits, the length and the Luhn check digit.
func Parse(s string) (Number, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '-':
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		default:
			return "", fmt.Errorf("%w: contains a character other than digits, spaces and dashes", ErrInvalid)
		}
	}
	d := b.String()
	if len(d) < MinLen || len(d) > MaxLen {
		return "", fmt.Errorf("%w: %d digits, want %d to %d", ErrInvalid, len(d), MinLen, MaxLen)
	}
	if !luhnValid(d) {
		return "", fmt.Errorf("%w: check digit does not match", ErrInvalid)
	}
	return Number(d), nil
}

// Last4 returns the last four digits, the part a cardholder recognises and
// that may be shown and stored.
func (n Number) Last4() string {
	if len(n) < 4 {
		return ""
	}
	return string(n[len(n)-4:])
}

// Digits returns the card number in clear. Call it only to hash or to hand
// the number to someone who must have it.
func (n Number) Digits() string { return string(n) }

// String masks all but the last four digits, so printing a Number by mistake
// does not leak it.
func (n Number) String() string {
	if len(n) < 4 {
		return ""
	}
	return strings.Repeat("*", len(n)-4) + n.Last4()
}

// LogValue masks the number in slog output, as String does for fmt.
func (n Number) LogValue() slog.Value { return slog.StringValue(n.String()) }

// CheckDigit returns the Luhn check digit that completes partial (digits
// only) into a valid number. It is for making test and demo card numbers.
func CheckDigit(partial string) (byte, error) {
	if partial == "" {
		return 0, fmt.Errorf("%w: empty", ErrInvalid)
	}
	for i := 0; i < len(partial); i++ {
		if partial[i] < '0' || partial[i] > '9' {
			return 0, fmt.Errorf("%w: not digits", ErrInvalid)
		}
	}
	sum := luhnSum(partial, true)
	return byte('0' + (10-sum%10)%10), nil
}

// luhnValid reports whether the digits d end in a correct Luhn check digit.
func luhnValid(d string) bool { return luhnSum(d, false)%10 == 0 }

// luhnSum is the Luhn sum of d. doubleLast says whether the rightmost digit
// of d is doubled: true when d lacks its check digit still.
func luhnSum(d string, doubleLast bool) int {
	sum := 0
	double := doubleLast
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum
}
