package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// statusChallenge is the one non-final status: the cardholder is being
// asked. Every other status (Y N U A R) is final.
const statusChallenge = "C"

// Authentication is one request of a merchant to authenticate a cardholder
// for one transaction.
type Authentication struct {
	// ID is 130 random bits in base32 (26 characters, the form of
	// challenge.NewID): unguessable, since tokens and URLs carry it.
	ID         string
	MerchantID int64
	// CardholderID is 0 when the card is not enrolled.
	CardholderID   int64
	OrderRef       string
	Amount         int64 // minor units of Currency
	Currency       string
	MerchantName   string
	MerchantOrigin string
	Status         string // C Y N U A R
	Reason         string
	Method         string // email, sms, app, token, password; "" before the start
	// Gen is the generation of the newest code: 0 before the start, then
	// 1, 2, ... for each start or resend.
	Gen    int
	AVHash []byte
	// CreatedAt is the transaction's date as shown to the cardholder.
	CreatedAt  time.Time
	UpdatedAt  time.Time
	StartedAt  time.Time // zero until started
	LastSentAt time.Time // zero when no code of the newest gen was sent
	FinishedAt time.Time // zero until final
	// Decision is the risk engine's: frictionless, challenge or deny; ""
	// before the start.
	Decision string
	// RiskScore and RiskReasons explain the decision (RiskReasons is the
	// engine's JSON list of fired rules with their points).
	RiskScore   int
	RiskReasons string
	// Creds are the public ids of the credentials the newest challenge
	// offered; wrong codes are charged to each of them.
	Creds []string
	// Resends is the number of resends done (the start is not one).
	Resends int
	// FailuresSeen is the wrong codes of this authentication already
	// charged to its credentials (see RecordAttempts).
	FailuresSeen int
	// Secret is the vault-sealed {code, av} of the newest email/SMS code,
	// so a reload re-mints the same challenge without sending again; nil
	// for other methods and once the authentication is final.
	Secret []byte
}

// Final reports whether the authentication has its outcome.
func (a Authentication) Final() bool { return a.Status != statusChallenge }

const authColumns = `id, merchant_id, cardholder_id, order_ref, amount, currency, merchant_name,
	merchant_origin, status, reason, method, gen, av_hash, created_at, updated_at, started_at,
	last_sent_at, finished_at, decision, COALESCE(risk_score, 0), risk_reasons,
	creds, resends, failures_seen, secret_enc`

func scanAuthentication(row interface{ Scan(...any) error }) (Authentication, error) {
	var a Authentication
	var cardholder, started, sent, finished sql.NullInt64
	var created, updated int64
	var creds string
	err := row.Scan(&a.ID, &a.MerchantID, &cardholder, &a.OrderRef, &a.Amount, &a.Currency,
		&a.MerchantName, &a.MerchantOrigin, &a.Status, &a.Reason, &a.Method, &a.Gen, &a.AVHash,
		&created, &updated, &started, &sent, &finished, &a.Decision, &a.RiskScore, &a.RiskReasons,
		&creds, &a.Resends, &a.FailuresSeen, &a.Secret)
	if errors.Is(err, sql.ErrNoRows) {
		return Authentication{}, ErrNotFound
	}
	if err != nil {
		return Authentication{}, err
	}
	if err := json.Unmarshal([]byte(creds), &a.Creds); err != nil {
		return Authentication{}, fmt.Errorf("creds of %s: %w", a.ID, err)
	}
	a.CardholderID = cardholder.Int64
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	a.StartedAt, a.LastSentAt, a.FinishedAt = fromNullMS(started), fromNullMS(sent), fromNullMS(finished)
	return a, nil
}

// newID returns a fresh authentication id.
func newID() string { return rand.Text() }

// CreateAuthentication stores a new authentication, in status C when the
// cardholder is to be challenged or already final (N, U) when not, and
// audits it as the merchant's action. ID, UpdatedAt and (for a final status)
// FinishedAt are set from a.CreatedAt.
func (s *Store) CreateAuthentication(ctx context.Context, a Authentication) (Authentication, error) {
	a.ID = newID()
	a.UpdatedAt = a.CreatedAt
	if a.Final() {
		a.FinishedAt = a.CreatedAt
	}
	var cardholder sql.NullInt64
	if a.CardholderID != 0 {
		cardholder = sql.NullInt64{Int64: a.CardholderID, Valid: true}
	}
	var got Authentication
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		got, err = scanAuthentication(tx.QueryRowContext(ctx, s.q(`INSERT INTO authentications
			(id, merchant_id, cardholder_id, order_ref, amount, currency, merchant_name, merchant_origin,
			 status, reason, method, gen, created_at, updated_at, finished_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?, ?, ?)
			RETURNING `+authColumns),
			a.ID, a.MerchantID, cardholder, a.OrderRef, a.Amount, a.Currency, a.MerchantName, a.MerchantOrigin,
			a.Status, a.Reason, ms(a.CreatedAt), ms(a.UpdatedAt), nullMS(a.FinishedAt)))
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a.CreatedAt, fmt.Sprintf("merchant:%d", a.MerchantID), "create", a.ID,
			map[string]any{"status": a.Status, "reason": a.Reason, "amount": a.Amount, "currency": a.Currency})
	})
	if err != nil {
		return Authentication{}, fmt.Errorf("store: create authentication: %w", err)
	}
	return got, nil
}

// Authentication returns the authentication with the given id.
func (s *Store) Authentication(ctx context.Context, id string) (Authentication, error) {
	a, err := scanAuthentication(s.db.QueryRowContext(ctx, s.q(`SELECT `+authColumns+` FROM authentications WHERE id = ?`), id))
	if err != nil {
		return Authentication{}, fmt.Errorf("store: authentication %s: %w", id, err)
	}
	return a, nil
}

// MerchantAuthentication returns the authentication with the given id if it
// belongs to the merchant, and ErrNotFound otherwise: another merchant's
// authentication does not exist as far as this one can tell.
func (s *Store) MerchantAuthentication(ctx context.Context, merchantID int64, id string) (Authentication, error) {
	a, err := scanAuthentication(s.db.QueryRowContext(ctx,
		s.q(`SELECT `+authColumns+` FROM authentications WHERE id = ? AND merchant_id = ?`), id, merchantID))
	if err != nil {
		return Authentication{}, fmt.Errorf("store: authentication %s of merchant %d: %w", id, merchantID, err)
	}
	return a, nil
}

// ErrResendLimit: the authentication has had all its resends.
var ErrResendLimit = errors.New("resend limit reached")

// Challenge is what a start or a resend records about the new code.
type Challenge struct {
	Method string
	// Creds are the public ids of the credentials offered.
	Creds []string
	// AVHash is the SHA-256 of the authentication value sealed with it.
	AVHash []byte
	// Secret is the vault-sealed {code, av} for email/SMS; nil otherwise.
	Secret []byte
	// Sent: a code is handed to mail/SMS now, so last_sent_at = now and the
	// resend cooldown counts from it. False keeps last_sent_at as it is
	// (a reload re-minting the same code, or a method with nothing to send).
	Sent bool
}

// credsJSON is how Creds are stored; never null, so SQL can use json_each.
func credsJSON(creds []string) (string, error) {
	if creds == nil {
		creds = []string{}
	}
	b, err := json.Marshal(creds)
	return string(b), err
}

// StartChallenge takes the next generation for the challenge ch and records
// it. It fails with ErrConflict when the authentication is final. Calling
// it again (the cardholder reloaded the page) takes yet another generation,
// so the earlier token is superseded.
//
// When ch.Sent, LastSentAt is set now, before the code is sent, so that the
// cooldown check and the reservation are one statement; RecordDelivery
// clears it if the send fails.
func (s *Store) StartChallenge(ctx context.Context, id string, ch Challenge, now time.Time) (Authentication, error) {
	creds, err := credsJSON(ch.Creds)
	if err != nil {
		return Authentication{}, fmt.Errorf("store: start %s: %w", id, err)
	}
	var a Authentication
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = scanAuthentication(tx.QueryRowContext(ctx, s.q(`UPDATE authentications SET
				gen = gen + 1, method = ?, creds = ?, av_hash = ?, secret_enc = ?,
				started_at = COALESCE(started_at, ?),
				last_sent_at = CASE WHEN ? THEN ? ELSE last_sent_at END, updated_at = ?
			WHERE id = ? AND status = 'C'
			RETURNING `+authColumns), ch.Method, creds, ch.AVHash, ch.Secret, ms(now), ch.Sent, ms(now), ms(now), id))
		if errors.Is(err, ErrNotFound) {
			return s.whyNot(ctx, tx, id, -1, now, 0, -1)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, now, "edge", "start", id, map[string]any{
			"gen": a.Gen, "method": ch.Method, "creds": a.Creds, "sent": ch.Sent})
	})
	if err != nil {
		return Authentication{}, fmt.Errorf("store: start %s: %w", id, err)
	}
	return a, nil
}

// Resend takes generation gen+1 for a new code, only if gen is the newest
// generation, the authentication is not final, fewer than maxResends
// resends were done and the newest code was sent at least cooldown ago.
// Of concurrent resends of the same gen exactly one succeeds; the others
// get ErrConflict. A resend within the cooldown gets a *CooldownError, one
// past the limit ErrResendLimit. ch.Method "" keeps the method.
func (s *Store) Resend(ctx context.Context, id string, gen int, ch Challenge, now time.Time, cooldown time.Duration, maxResends int) (Authentication, error) {
	if gen < 1 {
		return Authentication{}, fmt.Errorf("store: resend %s gen %d: not started: %w", id, gen, ErrSuperseded)
	}
	creds, err := credsJSON(ch.Creds)
	if err != nil {
		return Authentication{}, fmt.Errorf("store: resend %s: %w", id, err)
	}
	var a Authentication
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = scanAuthentication(tx.QueryRowContext(ctx, s.q(`UPDATE authentications SET
				gen = gen + 1, resends = resends + 1, method = COALESCE(NULLIF(?, ''), method),
				creds = ?, av_hash = ?, secret_enc = ?,
				last_sent_at = CASE WHEN ? THEN ? ELSE last_sent_at END, updated_at = ?
			WHERE id = ? AND status = 'C' AND gen = ? AND resends < ?
				AND (last_sent_at IS NULL OR last_sent_at <= ?)
			RETURNING `+authColumns), ch.Method, creds, ch.AVHash, ch.Secret, ch.Sent, ms(now), ms(now),
			id, gen, maxResends, ms(now.Add(-cooldown))))
		if errors.Is(err, ErrNotFound) {
			return s.whyNot(ctx, tx, id, gen, now, cooldown, maxResends)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, now, "edge", "resend", id, map[string]any{
			"gen": a.Gen, "resends": a.Resends, "creds": a.Creds, "sent": ch.Sent})
	})
	if err != nil {
		return Authentication{}, fmt.Errorf("store: resend %s gen %d: %w", id, gen, err)
	}
	return a, nil
}

// whyNot explains why a guarded update of a challenge matched no row. gen
// is the generation the caller named, or -1 for none; maxResends the
// resend limit, or -1 for none.
func (s *Store) whyNot(ctx context.Context, tx *sql.Tx, id string, gen int, now time.Time, cooldown time.Duration, maxResends int) error {
	var status string
	var cur, resends int
	var sent sql.NullInt64
	err := tx.QueryRowContext(ctx, s.q(`SELECT status, gen, resends, last_sent_at FROM authentications WHERE id = ?`), id).
		Scan(&status, &cur, &resends, &sent)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return err
	case status != statusChallenge:
		return fmt.Errorf("status %s: %w", status, ErrFinal)
	case gen >= 0 && gen != cur:
		return fmt.Errorf("gen %d, newest %d: %w", gen, cur, ErrSuperseded)
	case maxResends >= 0 && resends >= maxResends:
		return fmt.Errorf("%d resends done: %w", resends, ErrResendLimit)
	case sent.Valid:
		if retry := fromMS(sent.Int64).Add(cooldown); now.Before(retry) {
			return &CooldownError{RetryAt: retry}
		}
	}
	return fmt.Errorf("authentication changed concurrently: %w", ErrConflict)
}

// RecordDelivery audits whether the code of generation gen reached the mail
// (or SMS) server. A failed send clears LastSentAt so the cardholder may
// resend at once: no code arrived, so there is nothing to cool down from.
func (s *Store) RecordDelivery(ctx context.Context, id string, gen int, delivered bool, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if !delivered {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE authentications SET last_sent_at = NULL, updated_at = ?
				WHERE id = ? AND gen = ?`), ms(now), id, gen); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, now, "issuer", "deliver", id, map[string]any{"gen": gen, "delivered": delivered})
	})
	if err != nil {
		return fmt.Errorf("store: record delivery %s gen %d: %w", id, gen, err)
	}
	return nil
}
