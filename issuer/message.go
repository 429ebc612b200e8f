package issuer

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Personal message limits. The challenge screen shows the message in a box
// of the 400-pixel-high EMV window with white-space: pre-line, so a line
// break is kept and a long text pushes the code field out of sight.
const (
	MaxPersonalMessageRunes = 60
	MaxPersonalMessageLines = 2
)

// ErrInvalidMessage is wrapped by CheckPersonalMessage's errors.
var ErrInvalidMessage = errors.New("invalid personal message")

// CheckPersonalMessage validates a personal message a cardholder typed and
// returns it normalised (CRLF to LF, surrounding space trimmed). The rules
// are what the challenge screen can show faithfully: 1 to 60 characters,
// at most 2 lines, no control characters other than the line break and no
// invisible format characters (bidi overrides, zero-width joiners) that
// could make the box show something else than what was saved.
func CheckPersonalMessage(s string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
	bad := func(why string) (string, error) { return "", fmt.Errorf("%w: %s", ErrInvalidMessage, why) }
	switch {
	case !utf8.ValidString(s):
		return bad("not UTF-8")
	case s == "":
		return bad("empty")
	case utf8.RuneCountInString(s) > MaxPersonalMessageRunes:
		return bad(fmt.Sprintf("longer than %d characters", MaxPersonalMessageRunes))
	case strings.Count(s, "\n")+1 > MaxPersonalMessageLines:
		return bad(fmt.Sprintf("more than %d lines", MaxPersonalMessageLines))
	}
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
			return bad(fmt.Sprintf("control or format character %U", r))
		}
	}
	return s, nil
}
