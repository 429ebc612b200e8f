package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
)

// Issuer is the origin: the issuer core's internal API. Only start and
// resend (which send a code) and a password check (which only the issuer
// can make) reach it; outcomes go through edge/report.
type Issuer interface {
	// Start runs the issuer's risk decision for authID and, on a challenge,
	// sends the code.
	Start(ctx context.Context, authID string, req StartRequest) (StartResponse, error)
	// Resend sends a new code for authID, whose newest token is of gen,
	// and returns the token of gen+1.
	Resend(ctx context.Context, authID string, gen int) (ResendResponse, error)
	// CheckPassword asks the issuer whether password is the static
	// password of authID's cardholder; gen is the newest token's. The
	// password goes nowhere else, not even to the log.
	CheckPassword(ctx context.Context, authID string, gen int, password string) (ok bool, err error)
}

// IssuerError is an answer of the issuer other than success. The handler
// passes on the refusals the cardholder can act on (the issuer's codes
// "already_final", "superseded", and the resend refusals "resend_cooldown",
// "resend_limit", "send_limit" and "not_resendable") and reports anything
// else as the issuer being unavailable.
type IssuerError struct {
	// Status is the issuer's HTTP status.
	Status int
	// Code and Message are the issuer's {"error","message"}, when it sent
	// them.
	Code, Message string
	// RetryAfter is the issuer's Retry-After, if any.
	RetryAfter time.Duration
}

func (e *IssuerError) Error() string {
	return fmt.Sprintf("issuer answered %d %s: %s", e.Status, e.Code, e.Message)
}

// The issuer's error codes the edge acts on.
const (
	issuerFinal      = "already_final"
	issuerSuperseded = "superseded"
	issuerCooldown   = "resend_cooldown"
	// issuerResendLimit: the authentication's resends are used up (3).
	issuerResendLimit = "resend_limit"
	// issuerSendLimit: the destination's daily cap of codes is reached.
	issuerSendLimit = "send_limit"
	// issuerNotResendable: app, token and password have nothing to resend.
	issuerNotResendable = "not_resendable"
	// issuerStartLimit: the authentication was started too often (reloads).
	issuerStartLimit = "start_limit"
	// issuerBusy: the issuer's password checks are all taken; try again.
	issuerBusy = "busy"
)

// StartRequest is the body of the issuer's internal start.
type StartRequest struct {
	Device challenge.DeviceSignals `json:"device"`
	Edge   challenge.EdgeSignals   `json:"edge"`
}

// Decisions the issuer's start may return.
const (
	DecisionChallenge    = "challenge"
	DecisionFrictionless = "frictionless"
	DecisionDeny         = "deny"
)

// StartResponse is the issuer's answer to start. On a challenge it carries
// the challenge token; on frictionless or deny, the status (and reason, and
// on Y/A the authentication value) the edge puts in the result token.
type StartResponse struct {
	Decision       string `json:"decision"`
	ChallengeToken string `json:"challenge_token,omitempty"`
	// Delivery is "sent", "failed" (the send failed: the challenge holds no
	// code, and the screen offers Resend), "limited" (the destination's
	// daily cap is reached: nothing was sent, the challenge holds no code)
	// or "none" (app, token, password: nothing to send). The edge passes it
	// on to the screen.
	Delivery string `json:"delivery,omitempty"`
	Status   string `json:"status,omitempty"`
	Reason   string `json:"reason,omitempty"`
	AV       string `json:"av,omitempty"`
}

// ResendResponse is the issuer's answer to resend.
type ResendResponse struct {
	ChallengeToken string `json:"challenge_token"`
	// Delivery is as in StartResponse.
	Delivery string `json:"delivery"`
}

var errIssuerUnavailable = jsonapi.Errorf(http.StatusBadGateway, "issuer_unavailable", "the card issuer cannot be reached; try again")

// issuerFailed maps a failed call to the issuer: its refusals that the
// cardholder can act on are passed on, anything else (down, 5xx, a refusal
// that means the edge is misconfigured) is 502 and logged.
func (h *Handler) issuerFailed(w http.ResponseWriter, r *http.Request, authID string, err error) error {
	var ie *IssuerError
	if errors.As(err, &ie) {
		switch ie.Code {
		case issuerFinal:
			return errAlreadyUsed
		case issuerSuperseded:
			return errSuperseded
		case issuerCooldown:
			secs := max(int(ie.RetryAfter/time.Second), 1)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			return jsonapi.Errorf(http.StatusTooManyRequests, "resend_cooldown", "a code was sent moments ago; resend again in %d s", secs)
		case issuerResendLimit:
			return jsonapi.Errorf(http.StatusTooManyRequests, issuerResendLimit, "no more codes can be sent for this payment")
		case issuerSendLimit:
			return jsonapi.Errorf(http.StatusTooManyRequests, issuerSendLimit, "too many codes were sent to this destination today")
		case issuerNotResendable:
			return jsonapi.Errorf(http.StatusConflict, issuerNotResendable, "this method has no code to resend")
		case issuerStartLimit:
			secs := max(int(ie.RetryAfter/time.Second), 1)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			return jsonapi.Errorf(http.StatusTooManyRequests, issuerStartLimit, "this payment was opened too often; try again in %d s", secs)
		case issuerBusy:
			secs := max(int(ie.RetryAfter/time.Second), 1)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			return jsonapi.Errorf(http.StatusServiceUnavailable, issuerBusy, "the card issuer is busy; try again in %d s (this try was not counted)", secs)
		}
	}
	h.log.WarnContext(r.Context(), "api: issuer call failed", "path", r.URL.Path, "auth", authID, "err", err)
	return errIssuerUnavailable
}

// badIssuer logs an issuer answer the edge cannot use and tells the client
// the issuer is unavailable: from its side, it is.
func (h *Handler) badIssuer(r *http.Request, authID, format string, args ...any) error {
	h.log.ErrorContext(r.Context(), "api: unusable issuer answer", "auth", authID, "problem", fmt.Sprintf(format, args...))
	return errIssuerUnavailable
}
