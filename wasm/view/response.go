package view

import "time"

// Response is one answer of the edge's public API (/v1/start, /v1/verify,
// /v1/resend, /v1/cancel). Screen-carrying answers fill State; error
// answers fill Error and Message. The client decodes leniently (unknown
// fields are ignored) so that the edge can add fields without breaking
// clients already cached in browsers.
type Response struct {
	State          string   `json:"state"`
	ChallengeToken string   `json:"challenge_token"`
	Display        *Display `json:"display"`
	ResultToken    string   `json:"result_token"`
	Status         string   `json:"status"`
	Reason         string   `json:"reason"`
	MerchantOrigin string   `json:"merchant_origin"`
	Error          string   `json:"error"`
	Message        string   `json:"message"`
}

// Display is what the challenge screen shows about the transaction.
// Amount is in minor units of Currency.
type Display struct {
	Merchant     string    `json:"merchant"`
	Amount       int64     `json:"amount"`
	Currency     string    `json:"currency"`
	Date         time.Time `json:"date"`
	Last4        string    `json:"last4"`
	Message      string    `json:"message"`
	Method       string    `json:"method"`
	Dest         string    `json:"dest"`
	ExpiresAt    time.Time `json:"expires_at"`
	AttemptsLeft int       `json:"attempts_left"`
	ResendAfter  time.Time `json:"resend_after"`
	// ResendsLeft is how many more codes may be sent for this purchase
	// (email and SMS; always 0 for app, token and password).
	ResendsLeft int `json:"resends_left"`
	// Delivery after start and resend: "sent", "failed", "limited" (the
	// destination's daily cap is reached, no code was sent) or "none"
	// (app, token, password: nothing to send). Absent after verify.
	Delivery string `json:"delivery"`
}

// Result is what the client hands to the merchant page by postMessage.
// Only ResultToken carries weight: the merchant verifies it against the
// JWKS; Status and Reason are hints for the page.
type Result struct {
	ResultToken string `json:"result_token"`
	Status      string `json:"status"`
	Reason      string `json:"reason"`
}

// validStatus reports whether s is an EMV 3DS transStatus the edge may
// return: edge/challenge's ValidStatus, copied because the client must not
// link that package (TestValidStatus holds the two to one list).
func validStatus(s string) bool {
	switch s {
	case "Y", "N", "U", "A", "C", "R":
		return true
	}
	return false
}
