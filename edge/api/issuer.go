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
// resend reach it, because only they send a code; outcomes go through
// edge/report.
type Issuer interface {
	// Start runs the issuer's risk decision for authID and, on a challenge,
	// sends the code.
	Start(ctx context.Context, authID string, req StartRequest) (StartResponse, error)
	// Resend sends a new code for authID, whose newest token is of gen,
	// and returns the token of gen+1.
	Resend(ctx context.Context, authID string, gen int) (ResendResponse, error)
}

// IssuerError is an answer of the issuer other than success. The handler
// passes on the refusals the cardholder can act on (the issuer's codes
// "already_final", "superseded" and "resend_cooldown") and reports anything
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
	// Delivery is "sent" or "failed": a failed send still gives a
	// challenge, and the screen offers Resend.
	Delivery string `json:"delivery,omitempty"`
	Status   string `json:"status,omitempty"`
	Reason   string `json:"reason,omitempty"`
	AV       string `json:"av,omitempty"`
}

// ResendResponse is the issuer's answer to resend.
type ResendResponse struct {
	ChallengeToken string `json:"challenge_token"`
	Delivery       string `json:"delivery"`
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
