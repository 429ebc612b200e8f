package api

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/issuer"
)

// maxAmount is the largest amount accepted, in minor units (money says
// why twelve digits, and writes every currency's bound for the cardholder).
const maxAmount = money.MaxAmount

// Text field limits, in characters.
const (
	maxMerchantName = issuer.MaxDisplayName
	maxOrderRef     = 64
	maxReason       = 64
	maxJTI          = 128
	// maxResultToken bounds the edge's result token (an Ed25519 JWT of a
	// few hundred bytes) as the issuer keeps it.
	maxResultToken = 4096
)

// checkText validates text a merchant sends and the cardholder or an
// operator later reads: valid UTF-8, at most max characters, only graphic
// characters (no control characters, which could forge lines in a mail or a
// log, and no format characters such as bidi overrides, which can make the
// text read differently from what it is), and no leading or trailing space.
// It returns what is wrong, or "".
func checkText(s string, min, max int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	n := utf8.RuneCountInString(s)
	if n < min || n > max {
		if min > 0 {
			return "must be " + strconv.Itoa(min) + " to " + strconv.Itoa(max) + " characters"
		}
		return "must be at most " + strconv.Itoa(max) + " characters"
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) {
			return "contains a control or formatting character"
		}
	}
	if strings.TrimSpace(s) != s {
		return "has leading or trailing spaces"
	}
	return ""
}
