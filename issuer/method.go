package issuer

import "github.com/honnin/honnin/edge/contract"

// Method is how a cardholder proves it is them. Its values are the wire's
// (challenge.Method*: the challenge token, the edge, the client) and the
// database's (credentials.kind, cardholders.preferred_method): one
// vocabulary, so nothing translates between them.
type Method string

// The methods. Email and SMS send a code the issuer drew; app and token
// codes are TOTP (RFC 6238) from a seed the issuer holds; the password is
// the legacy static password, checked only at the issuer.
const (
	MethodEmail    Method = contract.MethodEmail
	MethodSMS      Method = contract.MethodSMS
	MethodApp      Method = contract.MethodApp
	MethodToken    Method = contract.MethodToken
	MethodPassword Method = contract.MethodPassword
)

// Methods lists every method, in the order the portal offers them.
var Methods = []Method{MethodEmail, MethodSMS, MethodApp, MethodToken, MethodPassword}

// Valid reports whether m is one of the methods.
func (m Method) Valid() bool { return contract.ValidMethod(string(m)) }

// Sends reports whether a code of m is sent to the cardholder (and so can
// be resent and counts against its destination's daily cap) rather than
// produced on their side.
func (m Method) Sends() bool { return m == MethodEmail || m == MethodSMS }

// TOTP reports whether m's codes are RFC 6238 codes of a sealed seed.
func (m Method) TOTP() bool { return m == MethodApp || m == MethodToken }
