// Package limits holds the numbers the card issuers' rules and honnin's own
// defences set on an authentication, each defined once: the issuer seals and
// enforces them, the edge enforces them, the wasm client shows them, and
// issuer/RULES.md indexes them with their tests. It is a stdlib-only leaf under edge/ (the
// meeting point) because all three import it; the wasm client and the
// Workers edge must stay small.
//
// Where a number comes from a card issuer's document or a standard, the
// comment says which; the others are honnin's and say why.
package limits

import (
	"time"
	"unicode/utf8"
)

// One-time codes (email, SMS, authenticator app, hardware token).
const (
	// CodeDigits is the length of every one-time code: the card issuers'
	// email/SMS codes and RFC 6238 TOTP codes alike.
	CodeDigits = 6
	// CodeLifetime is how long an email or SMS code, and the challenge
	// token carrying any code, is valid (the card issuers: 10 minutes;
	// NIST SP 800-63B: out-of-band codes at most 10 minutes).
	CodeLifetime = 10 * time.Minute
	// TOTPPeriod is the authenticator app's and the hardware token's time
	// step in seconds (the card issuers: 60 s).
	TOTPPeriod = 60
	// TOTPSkew is how many steps either side of the edge's clock a TOTP
	// code is accepted (RFC 6238 §5.2: one step of network delay).
	TOTPSkew = 1
)

// Wrong codes.
const (
	// AttemptsPerAuthentication is how many wrong codes one authentication
	// takes before it ends N max_attempts (the card issuers: 5). Counted
	// per authentication, so a resend never resets it.
	AttemptsPerAuthentication = 5
	// FailuresPerCredential is how many wrong codes are ever compared for
	// one credential between two of its successes, across every
	// authentication, in sequence or in parallel (the card issuers: 10
	// consecutive; RFC 4226 §7.3: lockout across sessions). The edge stops
	// comparing at this count; the issuer records the lock and tells the
	// cardholder.
	FailuresPerCredential = 10
)

// Sending codes (email, SMS).
const (
	// ResendCooldown is the least time between two codes of one
	// authentication.
	ResendCooldown = 30 * time.Second
	// ResendsPerAuthentication caps the new codes after the first one.
	ResendsPerAuthentication = 3
	// SendsPerDestination is the default cap of codes to one address or
	// phone per SendWindow: enough for a busy shopper, too few for SMS
	// pumping to pay (issuer serve -send-cap changes it).
	SendsPerDestination = 10
	// SendWindow is the period of SendsPerDestination and of
	// ContactSendsPerCard.
	SendWindow = 24 * time.Hour
	// ContactSendsPerCard caps the codes that confirm a new email address
	// or phone (the portal's contact change) per card per SendWindow, all
	// new destinations together: the destination is whatever the session
	// holder types, so a cap per destination would bound nothing, and
	// without this one the portal would be a free SMS and mail cannon (SMS
	// pumping). Ten covers a cardholder fixing a few typos in a day.
	ContactSendsPerCard = 10
)

// Starts (the iframe's /v1/start: a page load or reload).
const (
	// StartBurst is how many starts one authentication may make at once:
	// a few reloads. Each start may send a code or run the risk engine, so
	// it is bounded like any other request an attacker can repeat.
	StartBurst = 5
	// StartRefill is how often one more start is allowed past the burst.
	StartRefill = time.Minute
)

// The static password (legacy method).
const (
	// PasswordMaxRunes is the longest static password, in characters
	// (Unicode code points, so a Japanese password is not cut at a third
	// of the length an ASCII one gets). argon2id hashes whatever it is
	// given, so the length is a cost an attacker chooses: it is bounded.
	PasswordMaxRunes = 128
)

// ValidPassword reports whether s may be a static password: valid UTF-8 of
// 1 to PasswordMaxRunes characters. Client, edge and issuer all apply this
// one rule, so a password one side accepts is never refused by another.
func ValidPassword(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= PasswordMaxRunes && utf8.ValidString(s)
}

// ValidCode reports whether s is a well-formed one-time code: exactly
// CodeDigits ASCII digits. (The client turns what was typed into that with
// edge/onetime's Normalize before sending; the edge does not guess.)
func ValidCode(s string) bool {
	if len(s) != CodeDigits {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Tokens.
const (
	// ClockSkew is the clock difference every token check tolerates
	// between the party that signed and the party that checks (issuer,
	// edge, merchant): a token dated up to this far in the future is
	// accepted, and one expired less than this long ago too. Larger skews
	// are an operations fault, logged where a token is refused.
	ClockSkew = 60 * time.Second
	// CallTokenLifetime bounds exp−iat of the tokens that authenticate
	// one party's internal call to the other (edge→issuer and
	// issuer→edge).
	CallTokenLifetime = 60 * time.Second
	// SessionLifetime is the session token's (the merchant page's handle
	// on an authentication).
	SessionLifetime = 10 * time.Minute
	// ResultLifetime is the result token's: long enough for the merchant's
	// page to post it to its server.
	ResultLifetime = 5 * time.Minute
)
