package contract

// The vocabulary of an authentication's outcome and of its methods, in
// every token, body and screen: the challenge and result tokens
// (edge/challenge), the internal and public APIs, the issuer's database.

// Authentication statuses, after EMV 3-D Secure transStatus.
const (
	StatusAuthenticated    = "Y"
	StatusNotAuthenticated = "N"
	StatusUnavailable      = "U"
	StatusAttempted        = "A"
	StatusChallenge        = "C"
	StatusRejected         = "R"
)

// ValidStatus reports whether s is a transStatus a result may carry. It
// is the one list of them: the edge, the issuer, the wasm client and the
// merchant library check statuses with it or with FinalStatus.
func ValidStatus(s string) bool {
	switch s {
	case StatusAuthenticated, StatusNotAuthenticated, StatusUnavailable,
		StatusAttempted, StatusChallenge, StatusRejected:
		return true
	}
	return false
}

// FinalStatus reports whether s is a status an authentication can end
// with: a valid one other than C, which says it is still in progress.
func FinalStatus(s string) bool { return ValidStatus(s) && s != StatusChallenge }

// Ways a cardholder proves it is them: the challenge token's method, and
// the kind of the issuer's credential behind it.
const (
	// MethodEmail and MethodSMS: a 6-digit code sent to the cardholder,
	// sealed with step 0.
	MethodEmail = "email"
	MethodSMS   = "sms"
	// MethodApp (an authenticator app) and MethodToken (a hardware token):
	// RFC 6238 TOTP codes, sealed one per step.
	MethodApp   = "app"
	MethodToken = "token"
	// MethodPassword is the legacy static password: nothing is sealed, the
	// edge relays the password to the issuer, which alone can check it.
	MethodPassword = "password"
)

// ValidMethod reports whether m is one of the methods above.
func ValidMethod(m string) bool {
	switch m {
	case MethodEmail, MethodSMS, MethodApp, MethodToken, MethodPassword:
		return true
	}
	return false
}

// EMV 3DS transStatusReason values a result may carry.
const (
	// StatusReasonAuthFailed: card authentication failed, the reason of any N
	// that has no more specific one.
	StatusReasonAuthFailed = "01"
	// StatusReasonMaxChallenges: exceeds the maximum number of challenges
	// (the wrong-code limit).
	StatusReasonMaxChallenges = "19"
)
