package contract

// Error codes: the Error of an ErrorBody. The message is for people; a program acts on the code and
// the HTTP status alone. Codes of the request's form (bad_request,
// too_large, unsupported_media_type, method_not_allowed, not_found,
// internal) are edge/jsonapi's.

// What the issuer answers the edge's start, resend and password calls, and
// what the edge does with each. The edge passes on to the challenge client
// the refusals the cardholder can act on, with the same code (and a
// Retry-After where the issuer gave one); any other refusal means the edge
// or the issuer is broken, and the client is told CodeIssuerUnavailable.
const (
	// CodeAlreadyFinal (409): the authentication has its outcome already.
	// The edge answers the client CodeAlreadyUsed.
	CodeAlreadyFinal = "already_final"
	// CodeSuperseded (409): the generation is not the newest; a newer code
	// was sent. Passed on: the client ends the flow. The edge answers it on
	// its own too, for a token older than its ledger's newest.
	CodeSuperseded = "superseded"
	// CodeResendCooldown (429, Retry-After in seconds): a code was sent
	// less than limits.ResendCooldown ago. Passed on with Retry-After; the
	// client shows it and lets the cardholder try again later.
	CodeResendCooldown = "resend_cooldown"
	// CodeResendLimit (429): the authentication's resends are used up
	// (limits.ResendsPerAuthentication). Passed on: the client offers no
	// more Resend; the code already sent still works.
	CodeResendLimit = "resend_limit"
	// CodeSendLimit (429): the destination's daily cap of codes is
	// reached. Passed on, as CodeResendLimit.
	CodeSendLimit = "send_limit"
	// CodeNotResendable (409): app, token and password have no code to
	// resend. Passed on, as CodeResendLimit.
	CodeNotResendable = "not_resendable"
	// CodeStartLimit (429, Retry-After): the authentication was started
	// too often (page reloads; limits.StartBurst, limits.StartRefill), or
	// another start of it is under way. Passed on with Retry-After.
	CodeStartLimit = "start_limit"
	// CodeBusy (503, Retry-After): the issuer's password checks are all
	// taken; the password was not checked. Passed on with Retry-After, and
	// the edge takes back the try it counted: a check never made never
	// counts.
	CodeBusy = "busy"
	// CodeUnavailable (503, Retry-After): the issuer's database, or the
	// native edge's ledger, cannot serve now (restarting, unreachable,
	// read-only, disk full); what failed was not recorded, so the same
	// request may be sent again after Retry-After.
	CodeUnavailable = "unavailable"
	// CodeCredentialLocked (409): the cardholder has no usable credential
	// of their method (all locked, or none registered) for a start after
	// the decision. Not passed on as an error: the edge ends the
	// authentication N ReasonCredentialLocked, the end state the client
	// shows for a lock. A card without one is denied at its first start,
	// so the edge meets it only when a lock came in between.
	CodeCredentialLocked = "credential_locked"
	// CodeNotPassword (409): a password check for a challenge that is not
	// a password challenge: the edge is broken. Not passed on.
	CodeNotPassword = "not_password"
	// CodeConflict (409): the authentication changed while the call was
	// made (start, resend), or an outcome contradicts the one the issuer
	// has (results: the edge sets it aside). Not passed on.
	CodeConflict = "conflict"
)

// What either side answers for a token it refuses: the edge for the
// client's session or challenge token, the issuer for the edge's call token,
// the edge for the issuer's credentials token.
const (
	// CodeInvalidToken (401): the token is forged, of the wrong kind, for
	// another subject, or missing. The client ends the flow.
	CodeInvalidToken = "invalid_token"
	// CodeExpired (410 at the edge): the token's lifetime is over (a
	// challenge token's is its code's). The client ends the flow: only the
	// shop can start again.
	CodeExpired = "expired"
)

// What the edge answers the challenge client, besides the issuer's codes it
// passes on (above).
const (
	// CodeAlreadyUsed (409): the authentication already has its result
	// (or its tries are all in flight). The client ends the flow.
	CodeAlreadyUsed = "already_used"
	// CodeCodeNotSent (409): the challenge holds no code (its send failed,
	// or the destination's cap refused it: Delivery failed or limited), so
	// nothing typed can match; nothing is counted. The client keeps the
	// screen, which offers only what is possible.
	CodeCodeNotSent = "code_not_sent"
	// CodeInvalidCodeFormat (400): the code is not limits.CodeDigits
	// digits, or the password not 1 to limits.PasswordMaxRunes characters;
	// not counted as a try.
	CodeInvalidCodeFormat = "invalid_code_format"
	// CodeIssuerUnavailable (502): the issuer could not be reached, or
	// answered what the edge cannot use. The client lets the cardholder try
	// again.
	CodeIssuerUnavailable = "issuer_unavailable"
)

// Delivery states: what became of the code of a challenge the issuer just
// issued (StartResponse, ResendResponse). The edge passes the state on to
// the client's screen ("delivery"), which says why a code did not come.
const (
	// DeliverySent: the code was handed to the mail or SMS provider.
	DeliverySent = "sent"
	// DeliveryFailed: the send failed. The challenge holds no code
	// (CodeCodeNotSent), and the screen offers Resend.
	DeliveryFailed = "failed"
	// DeliveryLimited: the destination's daily cap of codes is reached:
	// nothing was sent and the challenge holds no code; the screen says to
	// cancel and pay another way or try again tomorrow (a resend meets the
	// same cap: CodeSendLimit).
	DeliveryLimited = "limited"
	// DeliveryNone: app, token and password: nothing is sent.
	DeliveryNone = "none"
)

// Decisions of the issuer's start (StartResponse.Decision).
const (
	// DecisionChallenge: the cardholder is challenged.
	DecisionChallenge = "challenge"
	// DecisionFrictionless: authenticated without a challenge (status Y,
	// with an authentication value).
	DecisionFrictionless = "frictionless"
	// DecisionDeny: refused without a challenge (status R,
	// ReasonSuspectedFraud).
	DecisionDeny = "deny"
)

// Reasons: a result's (the result token's and Outcome.Reason, read by the
// merchant's page and the client's last screen) and a progress report's.
const (
	// ReasonCancelled: the cardholder pressed Cancel (N).
	ReasonCancelled = "cardholder_cancelled"
	// ReasonMaxAttempts: the authentication's wrong codes reached
	// limits.AttemptsPerAuthentication (N).
	ReasonMaxAttempts = "max_attempts"
	// ReasonSuperseded: a newer challenge of the same card was started; a
	// card has one open challenge at a time (N).
	ReasonSuperseded = "superseded"
	// ReasonCredentialLocked: no credential of the challenge may be
	// compared any more (each had its limit of wrong codes, or the issuer
	// locked, revoked or replaced it after the challenge was sealed), or,
	// recorded by the issuer instead of a Y, the credential that matched
	// was no longer active when the report came (N).
	ReasonCredentialLocked = "credential_locked"
	// ReasonSuspectedFraud: the issuer's risk engine denied (R); which
	// rules fired stays with the issuer.
	ReasonSuspectedFraud = "suspected_fraud"
	// ReasonTimedOut: the challenge ran out of time with no code typed —
	// the cardholder left, or an EMV 3-D Secure challenge passed its
	// timer (N; EMV transStatusReason 14).
	ReasonTimedOut = "timed_out"

	// ReasonWrongCode and ReasonCodeUsed say why a code was refused: the
	// reason of a progress report (C), and the "error" of the challenge
	// screen the edge shows again. ReasonCodeUsed is a TOTP code of a step
	// already used (RFC 6238 §5.2): wait for the next one.
	ReasonWrongCode = "wrong_code"
	ReasonCodeUsed  = "code_used"
)
