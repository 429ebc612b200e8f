package view

import (
	"errors"

	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/edge/onetime"
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
// edge expects, by the one rule of every one-time code (edge/onetime's
// Normalize, with the purchase policy): full-width digits from a Japanese
// IME become ASCII, and spaces (ideographic ones too) and hyphens are
// dropped anywhere; anything else is refused. The errors are the view's:
// ErrCodeEmpty when nothing was typed, ErrCodeFormat (wrapping onetime's
// reason) otherwise.
func NormalizeCode(s string) (string, error) {
	code, err := onetime.Purchase.Normalize(s)
	switch {
	case err == nil:
		return code, nil
	case errors.Is(err, onetime.ErrEmpty):
		return "", ErrCodeEmpty
	}
	return "", formatError{err}
}

// formatError is ErrCodeFormat with onetime's reason: errors.Is finds
// both. (fmt.Errorf would do it, and link fmt into the client.)
type formatError struct{ reason error }

func (e formatError) Error() string   { return ErrCodeFormat.Error() + ": " + e.reason.Error() }
func (e formatError) Unwrap() []error { return []error{ErrCodeFormat, e.reason} }

// tooManyDigits reports whether s holds more digits than a code has. A
// digit is what the normaliser takes as one (an ASCII or full-width
// digit): asked of each character alone, so that the rule stays written
// once, in edge/onetime.
func tooManyDigits(s string) bool {
	n := 0
	for _, r := range s {
		if _, err := onetime.Normalize(string(r), 1); err == nil {
			n++
		}
	}
	return n > onetime.Purchase.Digits
}
