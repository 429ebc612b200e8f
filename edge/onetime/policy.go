package onetime

import (
	"time"

	"github.com/honnin/honnin/edge/limits"
)

// A Policy is the numbers that bound the codes of one purpose. A zero
// field means the purpose has no such step (PortalSignIn has no resend).
// The numbers are edge/limits', where issuer/RULES.md indexes each with
// the rule behind it and its tests; the named policies below say why each
// purpose takes the numbers it does.
type Policy struct {
	// Digits is the code's length.
	Digits int
	// Lifetime is how long a code works after it was sent.
	Lifetime time.Duration
	// Tries is how many wrong codes void what the code confirms: the
	// authentication, the sign-in, the change. A code that does not
	// normalise (Normalize's errors) is refused before any comparison and
	// is not counted: it cannot be right, and a typo should not cost a
	// try.
	Tries int
	// Cooldown is the least time between two codes of one request.
	Cooldown time.Duration
	// Resends is how many new codes one request may have after its first:
	// each resend voids the code before it.
	Resends int
	// DailyCap is how many codes may be sent per Window to what the
	// purpose counts by (a destination for a purchase, a card for a
	// contact change), whatever the requests: what keeps codes from being
	// sent to pump SMS.
	DailyCap int
	// Window is the period of DailyCap.
	Window time.Duration
}

// The named policies. They are values for the callers to read; never
// modify one.
var (
	// Purchase is the challenge's email and SMS code, the card issuers'
	// rules: 6 digits, valid 10 minutes (NIST SP 800-63B too: an
	// out-of-band code at most 10 minutes), 5 wrong codes per
	// authentication end it (a resend never resets the count), and
	// honnin's own bounds on sending: 3 resends 30 s apart, and at most 10
	// codes a day to one address or phone (the default of the issuer's
	// -send-cap, which changes it). The edge counts the tries (edge/ledger)
	// from the limit the issuer seals; the issuer counts the sends.
	Purchase = Policy{
		Digits:   limits.CodeDigits,
		Lifetime: limits.CodeLifetime,
		Tries:    limits.AttemptsPerAuthentication,
		Cooldown: limits.ResendCooldown,
		Resends:  limits.ResendsPerAuthentication,
		DailyCap: limits.SendsPerDestination,
		Window:   limits.SendWindow,
	}

	// PortalSignIn is the code the portal mails to the card's address as
	// the second factor of a sign-in, and of linking another card to a
	// person's sign-in. Whoever passes it manages the card (its method,
	// its email and phone: where the purchase codes go), so it is no
	// easier to guess than a purchase's code: the same digits, lifetime
	// and tries, used once. It has no resend and no daily cap of its own:
	// every code comes after the card's portal password, whose throttles
	// (issuer/portal's MaxPasswordFailures and MaxIPAttempts) bound how
	// often one is sent; a person who wants another starts again.
	PortalSignIn = Policy{
		Digits:   limits.CodeDigits,
		Lifetime: limits.CodeLifetime,
		Tries:    limits.AttemptsPerAuthentication,
	}

	// ContactChange is the code sent to a new email address or phone that
	// the cardholder types back to make it the card's destination (seed
	// 001: a changed destination redirects the purchase codes with no
	// further step, so this step proves the new one is the cardholder's).
	// It is bound as a purchase's code is (digits, lifetime, tries over
	// the whole change, 3 resends 30 s apart), but its sends are capped per
	// card, all new destinations together (limits.ContactSendsPerCard): the
	// destination is whatever the session holder types.
	ContactChange = Policy{
		Digits:   limits.CodeDigits,
		Lifetime: limits.CodeLifetime,
		Tries:    limits.AttemptsPerAuthentication,
		Cooldown: limits.ResendCooldown,
		Resends:  limits.ResendsPerAuthentication,
		DailyCap: limits.ContactSendsPerCard,
		Window:   limits.SendWindow,
	}
)

// Normalize turns what a person typed into a code of the policy's length
// (see the package's Normalize).
func (p Policy) Normalize(typed string) (string, error) { return Normalize(typed, p.Digits) }

// InputLen is the most characters a field for the code should take (its
// maxlength): the digits with a space or hyphen after each, so a code
// typed or pasted as "123 456" or "1 2 3 4 5 6" is not cut short before
// Normalize sees it.
func (p Policy) InputLen() int { return 2 * p.Digits }

// Expires returns when a code sent at sent stops working.
func (p Policy) Expires(sent time.Time) time.Time { return sent.Add(p.Lifetime) }

// Sends returns how many codes one request may have: the first and its
// resends.
func (p Policy) Sends() int { return 1 + p.Resends }

// TriesLeft returns how many wrong codes may still be typed after wrong
// ones; at 0 the code is void.
func (p Policy) TriesLeft(wrong int) int { return max(p.Tries-wrong, 0) }
