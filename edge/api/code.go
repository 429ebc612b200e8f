package api

import (
	"crypto/hmac"
	"time"

	"github.com/honnin/honnin/edge/challenge"
)

// codeLen is the length of every one-time code: email, SMS, app and token.
const codeLen = 6

// validCode reports whether s is a well-formed code: exactly six ASCII
// digits. The client turns full-width digits into ASCII before sending; the
// edge does not guess, so anything else is refused before it can count as
// a wrong attempt.
func validCode(s string) bool {
	if len(s) != codeLen {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// match compares code with every sealed code usable at now and returns the
// one it equals. Every usable code is compared, with hmac.Equal, whether or
// not an earlier one matched, so the time taken says nothing about which
// code or how many digits were right.
func match(p challenge.Payload, code string, now time.Time) (challenge.Code, bool) {
	var (
		found challenge.Code
		ok    bool
	)
	for _, c := range p.Codes {
		if !usable(c, p, now) {
			continue
		}
		if hmac.Equal([]byte(c.Code), []byte(code)) && !ok {
			found, ok = c, true
		}
	}
	return found, ok
}

// usable reports whether a sealed code may be accepted at now.
//
// Step 0 marks an email or SMS code: it is valid for as long as the
// challenge token is, which the token's exp already enforces.
//
// A non-zero step is an RFC 6238 TOTP step (app or hardware token). Those
// are not accepted yet: they need the step window (|step - now/period| <=
// skew) and, because a TOTP code must never be accepted twice even across
// authentications, a ledger mark per (cred, step) set when one matches.
// Both slot in here and where match's result is used.
func usable(c challenge.Code, _ challenge.Payload, _ time.Time) bool {
	return c.Step == 0
}

// maxAttempts is the wrong-code limit the issuer sealed, or the default.
func maxAttempts(p challenge.Payload) int {
	if p.MaxAttempts > 0 {
		return p.MaxAttempts
	}
	return defaultMaxAttempts
}
