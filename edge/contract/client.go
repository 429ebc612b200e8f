package contract

import "time"

// The edge's public API, which the challenge client (the wasm inside the
// merchant page's iframe) calls: every call is a POST of a JSON body from
// the edge's own origin, and every successful answer is a Screen, what the
// client shows next. A refusal is an ErrorBody with one of the codes in
// codes.go (the client acts on the code and the HTTP status alone).
const (
	// ClientStartPath opens the challenge of a session
	// (ClientStartRequest). The client calls it once when the iframe loads,
	// and again on a reload or its retry after a failure; the edge asks the
	// issuer each time (StartPath), which may send a new code.
	ClientStartPath = "/v1/start"
	// ClientVerifyPath judges a code or a password (VerifyRequest).
	ClientVerifyPath = "/v1/verify"
	// ClientResendPath asks the issuer for a new code (TokenRequest).
	ClientResendPath = "/v1/resend"
	// ClientCancelPath ends the authentication with N,
	// ReasonCancelled (TokenRequest).
	ClientCancelPath = "/v1/cancel"
	// ClientPreparePath hands the edge the device signals of a checkout
	// page's Honnin.prepare before the challenge iframe is mounted
	// (ClientPrepareRequest). The edge answers 204 with no body, setting
	// the device cookie when the issuer sends one; it is best-effort, and
	// the client ignores any refusal.
	ClientPreparePath = "/v1/prepare"
)

// ClientStartRequest is the body of the client's POST ClientStartPath.
type ClientStartRequest struct {
	// SessionToken is the session token the merchant page passed to the
	// iframe (its st query parameter), as the issuer minted it. Required.
	SessionToken string `json:"session_token"`
	// Device is what the client could collect of the browser, brought
	// within the limits first (DeviceSignals.WithinLimits), empty fields
	// for what it could not. Optional for the edge (nil: nothing known),
	// which refuses (400) signals Validate refuses and passes the rest on
	// to the issuer unchanged.
	Device *DeviceSignals `json:"device"`
}

// ClientPrepareRequest is the body of the hidden prepare frame's POST
// ClientPreparePath.
type ClientPrepareRequest struct {
	// SessionToken is the session token the merchant page passed to
	// Honnin.prepare (the frame's st query parameter). Required.
	SessionToken string `json:"session_token"`
	// Device is what the frame collected, as in ClientStartRequest.
	// Required: a prepare is its device signals.
	Device *DeviceSignals `json:"device"`
}

// VerifyRequest is the body of the client's POST ClientVerifyPath.
type VerifyRequest struct {
	// ChallengeToken is the newest Screen.ChallengeToken. Required.
	ChallengeToken string `json:"challenge_token"`
	// Code is what the cardholder typed: the code as limits.CodeDigits
	// ASCII digits (the client folds full-width digits and drops spaces
	// and hyphens first), or for method password the password exactly as
	// typed. Required; the edge never logs it, and refuses a malformed one
	// with CodeInvalidCodeFormat without counting a try.
	Code string `json:"code"`
}

// TokenRequest is the body of the client's POST ClientResendPath and
// ClientCancelPath: only a holder of the newest challenge token may resend
// or cancel.
type TokenRequest struct {
	// ChallengeToken is the newest Screen.ChallengeToken. Required.
	ChallengeToken string `json:"challenge_token"`
}

// Screen states: Screen.State, which says which of its fields are set.
const (
	// StateChallenge: the challenge is on; ChallengeToken and Display are
	// set, and Error when a code was refused.
	StateChallenge = "challenge"
	// StateResult: the authentication is over; Result's fields are set.
	StateResult = "result"
)

// Screen is the edge's every successful (2xx) answer to the client: what
// the client shows next. The edge writes it; the client reads it
// leniently (unknown fields are ignored), so that the edge can add fields
// without breaking clients already cached in browsers, and treats a State
// it does not know, or a state without its fields, as a broken answer.
type Screen struct {
	// State is StateChallenge or StateResult.
	State string `json:"state"`
	// ChallengeToken is the challenge's newest token: the client sends it
	// back on verify, resend and cancel. A resend, or a start after a
	// reload, brings a new one, and the older ones are refused from then
	// on (CodeSuperseded).
	ChallengeToken string   `json:"challenge_token,omitempty"`
	Display        *Display `json:"display,omitempty"`
	// Error says why the challenge is shown again: ReasonWrongCode, or
	// ReasonCodeUsed (an app or token code already used: wait for the
	// next). Empty otherwise.
	Error string `json:"error,omitempty"`
	Result
	// MerchantOrigin is the merchant page's origin (the session's mo
	// claim): the only origin the client may postMessage the result to.
	MerchantOrigin string `json:"merchant_origin"`
	// Issuer is the issuer's name and contact (StartResponse.Issuer), on
	// the answers to start only: the client keeps it for the challenge's
	// later screens (a locked card, too many wrong codes). Absent when the
	// issuer sent none, or one the edge would not show (Issuer.Valid), and
	// on a result given again after a reload.
	Issuer *Issuer `json:"issuer,omitempty"`
}

// Display is what the challenge screen shows of the purchase and the
// challenge. Times are written as RFC 3339 in UTC, whole seconds
// ("2026-11-22T03:00:00Z"); the client shows them in JST or GMT.
type Display struct {
	// Merchant is the merchant's name, as the issuer has it.
	Merchant string `json:"merchant"`
	// Amount is in minor units of Currency (edge/money writes it).
	Amount int64 `json:"amount"`
	// Currency is the ISO 4217 code (JPY).
	Currency string `json:"currency"`
	// Date is when the purchase's authentication was created.
	Date time.Time `json:"date"`
	// Last4 is the card number's last four digits.
	Last4 string `json:"last4"`
	// Message is the cardholder's personal message, from the challenge's
	// seal (only the edge and the cardholder read it): the cardholder's
	// sign that the page is their issuer's.
	Message string `json:"message"`
	// Method is edge/challenge's method: email, sms, app, token or
	// password; the client words the screen after it.
	Method string `json:"method"`
	// Dest is where the code went, masked (***@mail.jp, ***-****-1234),
	// or for method token the endings of the token serials, comma
	// separated; empty for app and password.
	Dest string `json:"dest"`
	// ExpiresAt is when the challenge token, and its code, expire: the
	// client counts down to it and ends the flow there.
	ExpiresAt time.Time `json:"expires_at"`
	// AttemptsLeft is how many wrong codes the authentication still
	// allows.
	AttemptsLeft int `json:"attempts_left"`
	// ResendAfter is when the client may offer Resend: the issuer's
	// cooldown after the code was sent, plus a second.
	ResendAfter time.Time `json:"resend_after"`
	// ResendsLeft is how many more resends the issuer allows (from the
	// token); 0 for app, token and password, which have nothing to resend.
	ResendsLeft int `json:"resends_left"`
	// Delivery is what became of the code (a Delivery state) after start
	// and resend; verify does not know it and leaves it out. On
	// DeliveryFailed and DeliveryLimited the challenge holds no code, and
	// the client takes none.
	Delivery string `json:"delivery,omitempty"`
}

// Result is how an authentication ended: the result screen's part, which
// the client hands on, as it is, to the merchant page (postMessage
// {type: "honnin:result", result_token, status, reason}; web/honnin.js
// reads it). Only ResultToken carries weight: the merchant's server
// verifies it against the edge's JWKS; Status and Reason are hints for the
// page.
type Result struct {
	// ResultToken is the result token the edge minted (edge/challenge's
	// ResultClaims).
	ResultToken string `json:"result_token,omitempty"`
	// Status is the EMV 3-D Secure transStatus (edge/challenge's Status*),
	// never C.
	Status string `json:"status,omitempty"`
	// Reason is one of the Reason* constants, or empty (Y).
	Reason string `json:"reason,omitempty"`
}

// ErrorBody is every refusal's body, the edge's and the issuer's alike
// (edge/jsonapi writes it). The receiver acts on Error, a code of
// codes.go or edge/jsonapi's, and the HTTP status; Message is for people.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}
