package acs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/store"
)

// Outcome is the edge's report of how an authentication ended, or (status
// C) of its wrong codes so far.
type Outcome struct {
	JTI            string
	Authentication string
	Status         string
	Reason         string
	Gen            int
	Attempts       int
	// Cred, Step and Drift say which credential's code matched on Y: its
	// public id, the TOTP step (0 for email/SMS) and how many steps off
	// the edge's clock it was.
	Cred  string
	Step  int64
	Drift int
	// ResultToken is the result token the edge minted (not on C).
	ResultToken string
}

// RecordOutcomes runs record, which records a batch of the edge's
// reports one by one (RecordOutcome) under the context it is given, and
// returns once every write it made is on disk. The writes share their
// syncs (store.SyncLater) instead of each waiting for its own in turn —
// a hundred fsyncs end to end for a full batch — and the door answers
// the edge only after this returns, so the edge drops nothing from its
// queue that the issuer could still lose. An error (a failed sync) fails
// the whole call: the edge sends the batch again, and the reports already
// recorded are recognised by their jti. record is also told how many
// reports of different authentications are worth recording at once
// (store.Store.Writers).
func (s *Service) RecordOutcomes(ctx context.Context, record func(ctx context.Context, writers int)) error {
	ctx, wait := s.store.SyncLater(ctx)
	record(ctx, s.store.Writers())
	return wait()
}

// RecordOutcome applies the edge's report o. The same JTI twice is applied
// once (applied false the second time); a second, different outcome for
// the same authentication is a conflict.
//
// Every report carries the authentication's wrong codes so far; they count
// against its credentials' consecutive failures (reports may repeat or
// cross, so the store counts only what it has not seen), and a credential
// locked by them gets its lock notice. A Y resets the matching
// credential's count; a Y of a credential locked or revoked before the
// report came is recorded as N credential_locked. The counts follow the
// edge's order, not the order reports arrive in (store.RecordAttempts,
// RecordSuccess): a late wrong code from before a success counts no more.
//
// The report is applied in steps (its wrong codes, its result, the
// success), each its own transaction and each idempotent, so a report that
// failed half-way (a busy database) is completed by the edge's retry: a
// repeated Y resets its credential again if the first try did not. A Y of
// an authentication the issuer ended as superseded (the edge's start of the
// card's next challenge came before this report) resets it too: the code
// was right, and the edge reset its count when it judged it.
func (s *Service) RecordOutcome(ctx context.Context, o Outcome) (applied bool, err error) {
	switch {
	case o.Attempts > purchase.Tries:
		return false, refuse(Invalid, "bad_request", "attempts must be at most %d", purchase.Tries)
	case o.Drift < -limits.TOTPSkew || o.Drift > limits.TOTPSkew:
		return false, refuse(Invalid, "bad_request", "drift must be within ±%d steps", limits.TOTPSkew)
	case !contract.ValidStatus(o.Status):
		return false, refuse(Invalid, "bad_request", "status must be one of Y N U A R, or C for progress")
	case o.Status == contract.StatusChallenge && o.ResultToken != "":
		return false, refuse(Invalid, "bad_request", "a progress report (C) carries no result_token")
	}
	now := s.now()
	if err := s.countFailures(ctx, o.Authentication, o.Attempts, now); err != nil {
		return false, err
	}
	if o.Status == contract.StatusChallenge {
		return true, nil
	}
	applied, status, err := s.store.RecordResult(ctx, store.Result{
		JTI: o.JTI, AuthenticationID: o.Authentication, Status: o.Status, Reason: o.Reason,
		Gen: o.Gen, Attempts: o.Attempts, Cred: o.Cred, ResultToken: o.ResultToken, ReceivedAt: now,
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, errNotFound
	case errors.Is(err, store.ErrConflict):
		return false, refuse(Conflict, contract.CodeConflict, "the authentication has a different outcome, or the report contradicts it")
	case err != nil:
		return false, err
	}
	if applied && o.Status == contract.StatusAuthenticated && status != contract.StatusAuthenticated {
		s.log.LogAttrs(ctx, slog.LevelWarn, "acs: Y of a credential no longer active recorded as N",
			slog.String("authentication", o.Authentication), slog.String("cred", o.Cred))
	}
	// Every Y the store took (applied, repeated, or of an authentication it
	// ended as superseded meanwhile) is a right code the edge judged, and
	// the edge reset its count then: RecordSuccess applies it in the edge's
	// order, once, and refuses it for a credential no longer active.
	if o.Status == contract.StatusAuthenticated {
		if err := s.succeeded(ctx, o, now); err != nil {
			return false, err
		}
	}
	return applied, nil
}

// countFailures counts authID's wrong codes against its credentials and
// tells the cardholder about each credential that got locked by it.
func (s *Service) countFailures(ctx context.Context, authID string, attempts int, now time.Time) error {
	locked, err := s.store.RecordAttempts(ctx, authID, attempts, limits.FailuresPerCredential, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case err != nil:
		return err
	}
	for _, cred := range locked {
		s.log.LogAttrs(ctx, slog.LevelWarn, "acs: credential locked after consecutive failures",
			slog.String("credential", cred.PublicID), slog.String("kind", string(cred.Kind)), slog.Int("failures", cred.Failures))
		s.observe.locked(string(cred.Kind))
		s.noticeLocked(ctx, cred)
	}
	return nil
}

// noticeLocked mails the cardholder that cred was locked. A notice that
// cannot be handed over is logged and not returned into the edge's report:
// the lock stands either way, and the edge would only report again (serve
// hands notices to the outbox, which retries them).
func (s *Service) noticeLocked(ctx context.Context, cred issuer.Credential) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), noticeTimeout)
	defer cancel()
	c, err := s.store.Cardholder(ctx, cred.CardholderID)
	if err == nil {
		err = s.mail.SendNotice(ctx, dispatch.Notice{
			Kind: dispatch.NoticeLocked, To: c.Email, Locale: textLocale(c.Locale), IssuerName: s.issuerName,
			Last4: c.Last4, Method: string(cred.Kind), Serial: issuer.SerialEnd(cred.Serial), Failures: cred.Failures,
		})
	}
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "acs: lock notice not sent", slog.String("credential", cred.PublicID), slog.Any("err", err))
	}
}

// succeeded resets the consecutive failures of the credential that passed.
// The edge names it when a code matched; a password (checked here, not at
// the edge) is the authentication's one credential.
func (s *Service) succeeded(ctx context.Context, o Outcome, now time.Time) error {
	cred := o.Cred
	if cred == "" {
		a, err := s.store.Authentication(ctx, o.Authentication)
		if err != nil {
			return err
		}
		if len(a.Creds) != 1 {
			return nil // frictionless: no credential was used
		}
		cred = a.Creds[0]
	}
	return s.store.RecordSuccess(ctx, o.Authentication, cred, o.Step, o.Drift, now)
}
