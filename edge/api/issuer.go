package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/issuerclient"
	"github.com/honnin/honnin/edge/jsonapi"
)

// Issuer is the origin: the issuer core's internal API (edge/contract).
// Only start and resend (which send a code), a password check (which
// only the issuer can make) and a prepare reach it; outcomes go through edge/report.
// edge/issuerclient implements it. A refusal is an *issuerclient.Error: the
// handler passes on to the client the ones the cardholder can act on
// (issuerFailed) and reports anything else as the issuer being unavailable.
type Issuer interface {
	// Start runs the issuer's risk decision for authID and, on a challenge,
	// sends the code.
	Start(ctx context.Context, authID string, req contract.StartRequest) (contract.StartResponse, error)
	// Resend sends a new code for authID, whose newest token is of gen,
	// and returns the token of gen+1.
	Resend(ctx context.Context, authID string, gen int) (contract.ResendResponse, error)
	// CheckPassword asks the issuer whether password is the static
	// password of authID's cardholder; gen is the newest token's. The
	// password goes nowhere else, not even to the log.
	CheckPassword(ctx context.Context, authID string, gen int, password string) (ok bool, err error)
	// Prepare hands the issuer the device signals of Honnin.prepare for
	// authID, before its start.
	Prepare(ctx context.Context, authID string, req contract.PrepareRequest) (contract.PrepareResponse, error)
}

var errIssuerUnavailable = jsonapi.Errorf(http.StatusBadGateway, contract.CodeIssuerUnavailable, "the card issuer cannot be reached; try again")

// issuerFailed maps a failed call to the issuer: its refusals that the
// cardholder can act on are passed on, anything else (down, 5xx, a refusal
// that means the edge is misconfigured) is 502 and logged.
func (h *Handler) issuerFailed(w http.ResponseWriter, r *http.Request, authID string, err error) error {
	var ie *issuerclient.Error
	if errors.As(err, &ie) {
		switch ie.Code {
		case contract.CodeAlreadyFinal:
			return errAlreadyUsed
		case contract.CodeSuperseded:
			return errSuperseded
		case contract.CodeResendCooldown:
			secs := retryAfter(w, ie)
			return jsonapi.Errorf(http.StatusTooManyRequests, ie.Code, "a code was sent moments ago; resend again in %d s", secs)
		case contract.CodeResendLimit:
			return jsonapi.Errorf(http.StatusTooManyRequests, ie.Code, "no more codes can be sent for this payment")
		case contract.CodeSendLimit:
			return jsonapi.Errorf(http.StatusTooManyRequests, ie.Code, "too many codes were sent to this destination today")
		case contract.CodeNotResendable:
			return jsonapi.Errorf(http.StatusConflict, ie.Code, "this method has no code to resend")
		case contract.CodeStartLimit:
			secs := retryAfter(w, ie)
			return jsonapi.Errorf(http.StatusTooManyRequests, ie.Code, "this payment was opened too often; try again in %d s", secs)
		case contract.CodeBusy:
			secs := retryAfter(w, ie)
			return jsonapi.Errorf(http.StatusServiceUnavailable, ie.Code, "the card issuer is busy; try again in %d s (this try was not counted)", secs)
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

// retryAfter passes the issuer's Retry-After on (at least a second) and
// returns it in seconds.
func retryAfter(w http.ResponseWriter, ie *issuerclient.Error) int {
	secs := max(int(ie.RetryAfter/time.Second), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}
