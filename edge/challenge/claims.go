package challenge

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
)

// Token kinds, carried in the JWT header "typ".
const (
	TypSession   = "honnin-session+jwt"
	TypChallenge = "honnin-challenge+jwt"
	TypResult    = "honnin-result+jwt"
	// TypEdge authenticates the edge's calls to the issuer's internal API.
	TypEdge = "honnin-edge+jwt"
	// TypCredentials carries the issuer's word on credentials to the edge:
	// their new epochs and failure counts after a lock, an unlock or a
	// revocation. The token is the whole message, so nothing in it can be
	// changed in transit, and replaying it changes nothing (epochs only
	// grow).
	TypCredentials = "honnin-credentials+jwt"
	// TypMethod is the edge's own token on its 3DS Method page: iss and
	// aud the edge, sub the threeDSServerTransID, so the device data that
	// page's client posts back is taken only for the transaction whose
	// threeDSMethodData the edge read.
	TypMethod = "honnin-method+jwt"
)

// Names used as iss and aud.
const (
	IssuerName = "honnin-issuer"
	EdgeName   = "honnin-edge"
)

// SessionClaims is what the merchant's page hands to the edge to begin: it
// names the authentication and the merchant origin and holds nothing private,
// since it passes through the merchant's page and the iframe URL.
type SessionClaims struct {
	jwt.RegisteredClaims
	// MerchantOrigin is the only origin the result may be posted to, and the
	// only one allowed to frame the challenge page.
	MerchantOrigin string `json:"mo"`
	// EMV is set on the session of an EMV 3-D Secure browser challenge
	// (opened by a CReq at the acsURL, not by a merchant page): the page
	// ends by posting the final CRes to EMV.NotificationURL instead of
	// postMessage, and MerchantOrigin is that URL's origin.
	EMV *EMVSession `json:"emv,omitempty"`
	// Txn is what the challenge page shows of the purchase at once, before
	// the client has loaded: the edge verifies the token and writes these
	// into the page's HTML (edge/assets). Nil on a token without them (an
	// EMV session's, or an older issuer's): the page then paints its
	// skeleton. Each field is one the merchant already has, which is why
	// the token may carry it through the merchant's page and the iframe
	// URL: the name it is shown under (its registered name, or one the
	// issuer allowed it to send), the amount and currency of its own
	// order, when it asked (the authentication's creation), and the last
	// four digits of the card number it sent in full. Never the personal
	// message, the destination of the code or anything sealed (Txn's doc).
	Txn *Txn `json:"txn,omitempty"`
	// Locale is the cardholder's language (ja, en) if the issuer knows it,
	// the page's language when the browser names none (Accept-Language).
	// It is not secret: the browser tells the merchant's page the
	// cardholder's languages too (navigator.languages).
	Locale string `json:"lang,omitempty"`
}

// EMVSession is the part of an EMV transaction the edge needs to end its
// challenge: where the final CRes goes, and the ids and version it carries.
type EMVSession struct {
	NotificationURL      string `json:"nu"`
	ThreeDSServerTransID string `json:"sti"`
	ACSTransID           string `json:"ati"`
	MessageVersion       string `json:"v"`
	ChallengeWindowSize  string `json:"ws"`
}

// Validate is called by the parser after the registered claims pass.
func (c *SessionClaims) Validate() error {
	if c.Subject == "" {
		return errors.New("session token has no subject")
	}
	if c.MerchantOrigin == "" {
		return errors.New("session token has no merchant origin")
	}
	if e := c.EMV; e != nil && (e.NotificationURL == "" || e.ThreeDSServerTransID == "" || e.ACSTransID == "" || e.MessageVersion == "") {
		return errors.New("session token's EMV part is incomplete")
	}
	return nil
}

// Txn is the transaction the cardholder is asked to approve. It is readable
// by anyone holding the token: it is what the screen shows.
type Txn struct {
	Merchant string `json:"merchant"`
	// Amount is in minor units of Currency (yen for JPY, cents for USD).
	Amount   int64     `json:"amount"`
	Currency string    `json:"currency"`
	Date     time.Time `json:"date"`
	Last4    string    `json:"last4"`
}

// ChallengeClaims carry one challenge from the issuer to the edge through the
// cardholder's browser. What the browser must not read (the codes, the
// personal message, the authentication value) is in Seal.
type ChallengeClaims struct {
	jwt.RegisteredClaims
	// Gen is the resend generation: a resend mints gen+1 and the edge then
	// refuses every token of an older gen.
	Gen int `json:"gen"`
	Txn Txn `json:"txn"`
	// Method is one of the Method constants; the edge relays a password
	// and compares anything else with the sealed codes.
	Method string `json:"method"`
	// Dest is where the code went, already masked: ***@mail.jp (email),
	// ***-****-1234 (SMS), the token serials' endings, comma separated
	// (token); empty for app and password.
	Dest string `json:"dest,omitempty"`
	// ResendsLeft is how many more resends the issuer will send for this
	// authentication; always 0 for app, token and password, which have
	// nothing to resend.
	ResendsLeft    int    `json:"resends_left"`
	MerchantOrigin string `json:"mo"`
	Seal           Sealed `json:"seal"`
}

// Validate is called by the parser after the registered claims pass.
func (c *ChallengeClaims) Validate() error {
	switch {
	case c.Subject == "":
		return errors.New("challenge token has no subject")
	case c.ID == "":
		return errors.New("challenge token has no jti")
	case c.Gen < 1:
		return errors.New("challenge token has no gen")
	case c.MerchantOrigin == "":
		return errors.New("challenge token has no merchant origin")
	case !contract.ValidMethod(c.Method):
		return errors.New("challenge token has an unknown method")
	case c.ResendsLeft < 0:
		return errors.New("challenge token has negative resends_left")
	case len(c.Seal.CT) == 0 || len(c.Seal.Enc) == 0:
		return errors.New("challenge token has no seal")
	}
	return nil
}

// ResultClaims is the outcome the merchant verifies against the JWKS.
type ResultClaims struct {
	jwt.RegisteredClaims
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// StatusReason is the EMV 3DS transStatusReason, on N only: "19" when
	// the wrong-code limit ended it, "01" otherwise.
	StatusReason string `json:"status_reason,omitempty"`
	// AV is the authentication value, present only on Y and A.
	AV  string `json:"av,omitempty"`
	ECI string `json:"eci,omitempty"`
}

// Validate is called by the parser after the registered claims pass.
func (c *ResultClaims) Validate() error {
	if c.Subject == "" || c.ID == "" {
		return errors.New("result token has no subject or jti")
	}
	if !contract.ValidStatus(c.Status) {
		return errors.New("result token has an unknown status")
	}
	return nil
}

// CredentialsClaims is the issuer's statement of where some credentials
// stand, pushed to the edge after each change (sub "credentials", aud the
// edge, at most limits.CallTokenLifetime from iat to exp).
type CredentialsClaims struct {
	jwt.RegisteredClaims
	Creds []CredState `json:"creds"`
}

// CredState is one credential's state for the edge: from Epoch on, the
// edge compares codes for the credential only in challenges sealed at
// Epoch or later, and counts its wrong codes from Failures.
type CredState struct {
	ID    string `json:"id"`
	Epoch int64  `json:"epoch"`
	// Failures is where the edge's count of the credential's wrong codes
	// stands from now on: 0 after an unlock, the limit after a lock.
	Failures int `json:"failures"`
}

// MaxCredStates bounds one CredentialsClaims: the issuer pushes one
// cardholder's credentials at a time, a handful.
const MaxCredStates = 64

// Validate is called by the parser after the registered claims pass.
func (c *CredentialsClaims) Validate() error {
	switch {
	case c.Subject != "credentials":
		return errors.New("credentials token's subject is not \"credentials\"")
	case len(c.Creds) == 0 || len(c.Creds) > MaxCredStates:
		return fmt.Errorf("credentials token has %d credentials, want 1 to %d", len(c.Creds), MaxCredStates)
	}
	for _, s := range c.Creds {
		switch {
		case s.ID == "" || len(s.ID) > 64:
			return errors.New("credentials token has a credential without a valid id")
		case s.Epoch < 1:
			return fmt.Errorf("credential %s: epoch %d < 1", s.ID, s.Epoch)
		case s.Failures < 0 || s.Failures > limits.FailuresPerCredential:
			return fmt.Errorf("credential %s: failures %d out of 0..%d", s.ID, s.Failures, limits.FailuresPerCredential)
		}
	}
	return nil
}

// EdgeClaims authenticate one call of the edge to the issuer. They are short
// lived (see Verifier.MaxLifetime) so a leaked one is useless within a minute.
type EdgeClaims struct {
	jwt.RegisteredClaims
}
