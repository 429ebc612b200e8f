package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/store"
)

type resultRequest struct {
	JTI      string `json:"jti"`
	Sub      string `json:"sub"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Gen      *int   `json:"gen"`
	Attempts int    `json:"attempts"`
	// Cred, Step and Drift say which credential's code matched on Y: its
	// public id, the TOTP step (0 for email/SMS) and how many steps off
	// the edge's clock it was.
	Cred  string `json:"cred"`
	Step  int64  `json:"step"`
	Drift int    `json:"drift"`
	// ResultToken is the result token the edge minted (not on C).
	ResultToken string `json:"result_token"`
}

type resultResponse struct {
	JTI string `json:"jti"`
	// Applied is false when the report was a repeat: the outcome was
	// recorded before.
	Applied bool `json:"applied"`
}

// results is POST /internal/v1/results: the edge's report of how an
// authentication ended, or (status C) of its wrong codes so far. The same
// jti twice is answered 200 both times and applied once; a second, different
// outcome for the same authentication is 409.
//
// Every report carries the authentication's wrong codes so far; they count
// against its credentials' consecutive failures (reports may repeat or
// cross, so the store counts only what it has not seen). A Y resets the
// matching credential's count.
func (s *Server) results(w http.ResponseWriter, r *http.Request) error {
	if err := s.edgeCall(r, "results"); err != nil {
		return err
	}
	var req resultRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.JTI == "":
		return jsonapi.BadRequest("jti is required")
	case req.Sub == "":
		return jsonapi.BadRequest("sub is required")
	case req.Status == "":
		return jsonapi.BadRequest("status is required")
	case req.Gen == nil:
		return jsonapi.BadRequest("gen is required")
	}
	switch req.Status {
	case "Y", "N", "U", "A", "R", "C":
	default:
		return jsonapi.BadRequest("status must be one of Y N U A R, or C for progress")
	}
	if why := checkText(req.JTI, 1, maxJTI); why != "" {
		return jsonapi.BadRequest("jti %s", why)
	}
	if why := checkText(req.Reason, 0, maxReason); why != "" {
		return jsonapi.BadRequest("reason %s", why)
	}
	if *req.Gen < 0 || req.Attempts < 0 || req.Step < 0 {
		return jsonapi.BadRequest("gen, attempts and step must not be negative")
	}
	if req.Attempts > maxAttempts {
		return jsonapi.BadRequest("attempts must be at most %d", maxAttempts)
	}
	if why := checkText(req.Cred, 0, maxJTI); why != "" {
		return jsonapi.BadRequest("cred %s", why)
	}
	if req.Drift < -totpSkew || req.Drift > totpSkew {
		return jsonapi.BadRequest("drift must be within ±%d steps", totpSkew)
	}
	if req.Status == "C" && req.ResultToken != "" {
		return jsonapi.BadRequest("a progress report (C) carries no result_token")
	}
	if len(req.ResultToken) > maxResultToken {
		return jsonapi.BadRequest("result_token is longer than %d bytes", maxResultToken)
	}
	ctx, now := r.Context(), s.now()
	if err := s.countFailures(ctx, req.Sub, req.Attempts, now); err != nil {
		return err
	}
	if req.Status == "C" {
		jsonapi.Write(w, http.StatusOK, resultResponse{JTI: req.JTI, Applied: true})
		return nil
	}
	applied, status, err := s.store.RecordResult(ctx, store.Result{
		JTI: req.JTI, AuthenticationID: req.Sub, Status: req.Status, Reason: req.Reason,
		Gen: *req.Gen, Attempts: req.Attempts, Cred: req.Cred, ResultToken: req.ResultToken, ReceivedAt: s.now(),
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return jsonapi.Errorf(http.StatusNotFound, "not_found", "no such authentication")
	case errors.Is(err, store.ErrConflict):
		return jsonapi.Errorf(http.StatusConflict, "conflict", "the authentication has a different outcome, or the report contradicts it")
	case err != nil:
		return err
	}
	if applied && req.Status == "Y" && status != "Y" {
		// The credential was locked or revoked before the report came: the
		// issuer does not honour this Y (N credential_locked is recorded).
		s.log.LogAttrs(ctx, slog.LevelWarn, "api: Y of a credential no longer active recorded as N",
			slog.String("authentication", req.Sub), slog.String("cred", req.Cred))
	}
	if applied && status == "Y" {
		if err := s.succeeded(ctx, req, now); err != nil {
			return err
		}
	}
	jsonapi.Write(w, http.StatusOK, resultResponse{JTI: req.JTI, Applied: applied})
	return nil
}

// countFailures counts authID's wrong codes against its credentials and
// tells the cardholder about each credential that got locked by it.
func (s *Server) countFailures(ctx context.Context, authID string, attempts int, now time.Time) error {
	locked, err := s.store.RecordAttempts(ctx, authID, attempts, lockAfter, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return jsonapi.Errorf(http.StatusNotFound, "not_found", "no such authentication")
	case err != nil:
		return err
	}
	for _, cred := range locked {
		s.log.LogAttrs(ctx, slog.LevelWarn, "api: credential locked after consecutive failures",
			slog.String("credential", cred.PublicID), slog.String("kind", cred.Kind), slog.Int("failures", cred.Failures))
		s.noticeLocked(ctx, cred)
	}
	return nil
}

// noticeLocked mails the cardholder that cred was locked. A notice that
// cannot be handed over is logged and not returned into the edge's report:
// the lock stands either way, and the edge would only report again (serve
// hands notices to the outbox, which retries them).
func (s *Server) noticeLocked(ctx context.Context, cred store.Credential) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	c, err := s.store.Cardholder(ctx, cred.CardholderID)
	if err == nil {
		err = s.mail.SendNotice(ctx, dispatch.Notice{
			Kind: dispatch.NoticeLocked, To: c.Email, Locale: mailLocale(c.Locale), IssuerName: s.issuerName,
			Last4: c.Last4, Method: cred.Kind, Serial: last4(cred.Serial), Failures: cred.Failures,
		})
	}
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "api: lock notice not sent", slog.String("credential", cred.PublicID), slog.Any("err", err))
	}
}

// succeeded resets the consecutive failures of the credential that passed.
// The edge names it when a code matched; a password (checked here, not at
// the edge) is the authentication's one credential.
func (s *Server) succeeded(ctx context.Context, req resultRequest, now time.Time) error {
	cred := req.Cred
	if cred == "" {
		a, err := s.store.Authentication(ctx, req.Sub)
		if err != nil {
			return err
		}
		if len(a.Creds) != 1 {
			return nil // frictionless: no credential was used
		}
		cred = a.Creds[0]
	}
	return s.store.RecordSuccess(ctx, req.Sub, cred, req.Step, req.Drift, now)
}
