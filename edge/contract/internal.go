package contract

import "errors"

// Paths of the internal API, as http.ServeMux patterns without the method:
// every call is a POST of a JSON body, authenticated by a call token (an
// Ed25519 JWT of edge/challenge, typ honnin-edge+jwt from the edge,
// honnin-credentials+jwt from the issuer, at most limits.CallTokenLifetime
// long). {id} is an authentication's id, escaped as a path segment.
const (
	// StartPath is the issuer's start of a challenge (StartRequest,
	// StartResponse). The edge calls it for every /v1/start of the
	// challenge client, a page reload included.
	StartPath = "/internal/v1/authentications/{id}/start"
	// ResendPath is the issuer's new code for an email or SMS challenge
	// (ResendRequest, ResendResponse).
	ResendPath = "/internal/v1/authentications/{id}/resend"
	// PasswordPath is the issuer's check of a static password
	// (PasswordRequest, PasswordResponse): only the issuer holds its hash.
	PasswordPath = "/internal/v1/authentications/{id}/password"
	// PreparePath is where the edge hands the issuer what Honnin.prepare
	// collected before the iframe was mounted (PrepareRequest; the answer is
	// PrepareResponse).
	PreparePath = "/internal/v1/authentications/{id}/prepare"
	// ResultsPath is where the edge reports every outcome (Outcome,
	// OutcomeResponse). Its call token's subject is SubjectResults.
	ResultsPath = "/internal/v1/results"
	// ResultsBatchPath is where the edge reports many outcomes in one call
	// (OutcomeBatch, OutcomeBatchResponse), with the call token of
	// ResultsPath: one request per claim of its queue instead of one per
	// outcome, so delivery keeps up with the verifies that queue them.
	ResultsBatchPath = "/internal/v1/results/batch"
	// CredentialsPath is the edge's: the issuer pushes credentials' new
	// states to it (CredentialsRequest, CredentialsResponse).
	CredentialsPath = "/internal/v1/credentials"
)

// Subjects of the call tokens. A call about one authentication (start,
// resend, password) carries that authentication's id as its subject, and the
// issuer refuses a token whose subject is not the {id} of the path: a token
// minted for one authentication cannot act on another.
const (
	// SubjectResults is the subject of the edge's tokens for ResultsPath,
	// a name no authentication id can have. The issuer checks signature,
	// expiry and subject, not that the token's jti is new (each outcome has
	// its own jti the issuer dedupes on), so the edge may reuse one token
	// for many deliveries.
	SubjectResults = "results"
	// SubjectCredentials is the subject of the issuer's token that is the
	// body of a credentials push.
	SubjectCredentials = "credentials"
)

// StartRequest is the body of the edge's POST StartPath: what the edge
// knows of the cardholder's device and connection, for the issuer's risk
// engine. Both fields are optional for the issuer (nil: nothing known);
// the edge always sends Edge, and Device when the client sent one. The
// issuer refuses (400) signals its Validate refuses, as the edge does.
type StartRequest struct {
	Device *DeviceSignals `json:"device"`
	Edge   *EdgeSignals   `json:"edge"`
}

// StartResponse is the issuer's answer to a start. The edge reads Decision
// first:
//
//   - DecisionChallenge: ChallengeToken is the challenge (the edge verifies
//     it, opens its seal and shows the screen) and Delivery says what became
//     of its code.
//   - DecisionFrictionless and DecisionDeny: the authentication is over;
//     the edge mints the result token with Status (never C), Reason and, on
//     Y or A, AV, the authentication value.
//
// A decision the edge does not know, or a status it cannot put into a
// result, is the issuer's fault: the client is told the issuer is
// unavailable (CodeIssuerUnavailable).
type StartResponse struct {
	Decision       string `json:"decision"`
	ChallengeToken string `json:"challenge_token,omitempty"`
	// Delivery is one of the Delivery states; the edge passes it on to the
	// screen.
	Delivery string `json:"delivery,omitempty"`
	Status   string `json:"status,omitempty"`
	Reason   string `json:"reason,omitempty"`
	AV       string `json:"av,omitempty"`
	// DeviceCookie is the value the edge sets as its device cookie
	// (DeviceCookieName) in its answer to the client: the issuer signed it,
	// so the edge keeps no secret for it. Empty: leave the cookie as it is.
	DeviceCookie string `json:"device_cookie,omitempty"`
	// Issuer is who the cardholder can contact (name, phone, portal), for
	// the screen: the edge passes it on in the start's Screen.Issuer.
	// Omitted by older issuers; the screen then names no contact.
	Issuer *Issuer `json:"issuer,omitempty"`
}

// ResendRequest is the body of the edge's POST ResendPath.
type ResendRequest struct {
	// Gen is the generation of the newest challenge token the edge has for
	// the authentication; the new code's token is Gen+1. Required, and at
	// least 1: a pointer, so that a body without it is refused rather than
	// read as 0.
	Gen *int `json:"gen"`
}

// ResendResponse is the issuer's answer to a resend: the new challenge
// token (Gen+1; every older one is superseded) and what became of its
// code. A refusal is one of CodeResendCooldown, CodeResendLimit,
// CodeSendLimit, CodeNotResendable, CodeSuperseded, CodeAlreadyFinal.
type ResendResponse struct {
	ChallengeToken string `json:"challenge_token"`
	Delivery       string `json:"delivery"`
}

// PasswordRequest is the body of the edge's POST PasswordPath: the static
// password the cardholder typed, relayed for the newest challenge. The
// password goes nowhere else, not even to a log. It is 1 to
// limits.PasswordMaxRunes characters (limits.ValidPassword), on both sides.
type PasswordRequest struct {
	// Gen is the challenge's generation, which must be the newest
	// (CodeSuperseded otherwise). Required: a pointer, as in ResendRequest.
	Gen      *int   `json:"gen"`
	Password string `json:"password"`
}

// PasswordResponse is the issuer's verdict on a password. OK is a pointer
// so that the edge can tell an answer without it (an error, never a yes or
// a no) from false. A password the issuer did not judge is not an answer
// but CodeBusy, and the edge counts no try for it.
type PasswordResponse struct {
	OK *bool `json:"ok"`
}

// Outcome is the body of the edge's POST ResultsPath: what the issuer
// learns of an authentication at the edge. It is either the
// authentication's one result (any status but C), or a progress report
// (status C): a wrong code that did not end it. Progress reports are how the
// issuer counts a credential's consecutive failures across challenges, even
// challenges the cardholder then abandons, so the edge queues and delivers
// them like results. The issuer applies each jti once (a repeat answers 200,
// Applied false); an outcome contradicting the one it has is 409, which the
// edge sets aside rather than retry.
type Outcome struct {
	// JTI is the result token's id (a fresh id for a progress report); the
	// issuer is idempotent on it.
	JTI string `json:"jti"`
	// Sub is the authentication id.
	Sub string `json:"sub"`
	// Status is the EMV 3-D Secure transStatus (edge/challenge's Status*),
	// C for progress.
	Status string `json:"status"`
	// Reason is the result's reason (Reason*), or on C why the code was
	// wrong: ReasonWrongCode or ReasonCodeUsed.
	Reason string `json:"reason"`
	// Gen is the generation of the challenge token that ended it (0 for an
	// authentication the issuer's start decision ended), or on C the one
	// the wrong code was entered against. Required: a pointer, as in
	// ResendRequest.
	Gen *int `json:"gen"`
	// Attempts is the number of wrong codes entered so far; the issuer
	// counts what it has not seen against the credentials.
	Attempts int `json:"attempts"`
	// Cred is the public id of the credential whose code matched (on Y
	// with a code; empty for a password, which the issuer checked itself).
	Cred string `json:"cred,omitempty"`
	// Step is the RFC 6238 step of the TOTP code that matched (on Y for app
	// and token; 0, left out, for email and SMS codes).
	Step int64 `json:"step,omitempty"`
	// Drift is Step minus the edge's current step (RFC 6238 §6: the issuer
	// records it per credential); left out when 0.
	Drift int `json:"drift,omitempty"`
	// ResultToken is the result token the edge minted (not on C), so the
	// merchant can fetch it from the issuer if its page never got it.
	ResultToken string `json:"result_token,omitempty"`
}

// OutcomeResponse is the issuer's answer to an outcome it took. The edge
// needs only the 2xx: the outcome is delivered and leaves its queue.
type OutcomeResponse struct {
	JTI string `json:"jti"`
	// Applied is false when the outcome was a repeat: recorded before.
	Applied bool `json:"applied"`
}

// Bounds of an OutcomeBatch. An edge claims at most MaxOutcomeBatch rows
// at a time and sends them in as many calls as MaxOutcomeBatchBody needs;
// the issuer refuses a call over either bound with 413. The body bound
// leaves room for MaxOutcomeBatch outcomes each with a result token of the
// issuer's largest (4 KiB).
const (
	MaxOutcomeBatch     = 100
	MaxOutcomeBatchBody = 1 << 20
)

// OutcomeBatch is the body of the edge's POST ResultsBatchPath: outcomes
// as the edge queued them, each an encoded Outcome. Each is decoded,
// checked and applied on its own (one malformed outcome refuses only
// itself), in order.
type OutcomeBatch struct {
	Outcomes []RawOutcome `json:"outcomes"`
}

// RawOutcome is one encoded Outcome of a batch, kept as its JSON text
// (json.RawMessage's behaviour, without importing encoding/json: the wasm
// client imports this package and links no JSON package).
type RawOutcome []byte

// MarshalJSON writes the outcome as it is ("null" for none).
func (r RawOutcome) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	return r, nil
}

// UnmarshalJSON keeps a copy of the outcome's text.
func (r *RawOutcome) UnmarshalJSON(b []byte) error {
	if r == nil {
		return errors.New("contract: RawOutcome: UnmarshalJSON on nil pointer")
	}
	*r = append((*r)[:0], b...)
	return nil
}

// OutcomeBatchResponse is the issuer's answer to an OutcomeBatch it read:
// Results[i] is its verdict on Outcomes[i]. A call it did not read (the
// call token, the envelope) is refused whole, with the status and error
// body of any refusal.
type OutcomeBatchResponse struct {
	Results []OutcomeResult `json:"results"`
}

// OutcomeResult is the issuer's verdict on one outcome of a batch: what
// POST ResultsPath would have answered for it alone, so the edge acts on
// it the same way. Status 200 is taken (Applied false: a repeat of a jti
// it has); any other status is that refusal, with its error code, message
// and Retry-After.
type OutcomeResult struct {
	// JTI is the outcome's jti, empty when the outcome was not readable.
	JTI    string `json:"jti"`
	Status int    `json:"status"`
	// Applied is OutcomeResponse.Applied, on status 200.
	Applied bool   `json:"applied,omitempty"`
	Error   string `json:"error,omitempty"`
	Message string `json:"message,omitempty"`
	// RetryAfter is in seconds, as the header would be; 0 when none.
	RetryAfter int `json:"retry_after,omitempty"`
}

// CredentialsRequest is the body of the issuer's POST CredentialsPath:
// the issuer's word on credentials after a lock, an unlock or a
// revocation.
type CredentialsRequest struct {
	// Token is a honnin-credentials+jwt signed by the issuer, subject
	// SubjectCredentials, whose claims are the credentials' new epochs and
	// counts of wrong codes: the message itself, so nothing in it can be
	// changed on the way, and replaying it changes nothing (epochs only
	// grow).
	Token string `json:"token"`
}

// CredentialsResponse is the edge's answer to a push it took. The issuer
// needs only the 2xx: the push leaves its queue.
type CredentialsResponse struct {
	// Applied is how many credentials changed; a repeat (or a state older
	// than the edge's) changes none.
	Applied int `json:"applied"`
}

// PrepareRequest is the body of the edge's POST PreparePath: the device
// signals the hidden prepare frame collected and what the edge saw.
type PrepareRequest struct {
	Device *DeviceSignals `json:"device"`
	Edge   *EdgeSignals   `json:"edge"`
}

// PrepareResponse is the issuer's answer to a prepare: the device cookie to
// set (see StartResponse.DeviceCookie).
type PrepareResponse struct {
	DeviceCookie string `json:"device_cookie,omitempty"`
}
