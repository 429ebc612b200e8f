package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// maxRegistrationTries is how many wrong registration passwords void a
// registration: the ID is shown on screen, so it may be seen by others.
const maxRegistrationTries = 5

// AppRegistration is a pending authenticator-app enrolment: the ID and
// password the cardholder types into the app's enrolment page. PasswordHash
// is the SHA-256 of the random password (high-entropy, so a fast hash is
// enough).
type AppRegistration struct {
	ID           string
	CardholderID int64
	PasswordHash []byte
	// ExpiresAt: usable while now < ExpiresAt (the caller sets 30 min).
	ExpiresAt, CreatedAt time.Time
}

// CreateAppRegistration stores r and voids the cardholder's earlier unused
// registrations: only the newest one shown works.
func (s *Store) CreateAppRegistration(ctx context.Context, r AppRegistration) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE app_registrations SET voided_at = ?
			WHERE cardholder_id = ? AND used_at IS NULL AND voided_at IS NULL`), ms(r.CreatedAt), r.CardholderID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO app_registrations (id, cardholder_id, password_hash, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?)`), r.ID, r.CardholderID, r.PasswordHash, ms(r.ExpiresAt), ms(r.CreatedAt)); err != nil {
			if isConstraint(err) {
				return fmt.Errorf("%w (%v)", ErrConflict, err)
			}
			return err
		}
		return s.audit(ctx, tx, r.CreatedAt, "cardholder", "app_registration_create", "", map[string]any{
			"cardholder": r.CardholderID, "expires_at": ms(r.ExpiresAt)})
	})
	if err != nil {
		return fmt.Errorf("store: create app registration for %d: %w", r.CardholderID, err)
	}
	return nil
}

// ClaimAppRegistration marks registration id used and returns its
// cardholder. Unknown, expired, used, voided, or a wrong password all
// return ErrNotFound: one answer, no oracle. A wrong password counts, and
// maxRegistrationTries of them void the registration.
func (s *Store) ClaimAppRegistration(ctx context.Context, id string, passwordHash []byte, now time.Time) (int64, error) {
	var cardholder int64
	wrong := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		wrong = false // a retried run starts over
		var hash []byte
		var expires int64
		var used, voided sql.NullInt64
		var tries int
		err := tx.QueryRowContext(ctx, s.q(`SELECT cardholder_id, password_hash, expires_at, used_at, voided_at, wrong_tries
			FROM app_registrations WHERE id = ?`), id).Scan(&cardholder, &hash, &expires, &used, &voided, &tries)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if used.Valid || voided.Valid || tries >= maxRegistrationTries || ms(now) >= expires {
			return ErrNotFound
		}
		if subtle.ConstantTimeCompare(hash, passwordHash) != 1 {
			wrong = true
			tries++
			var void sql.NullInt64
			if tries >= maxRegistrationTries {
				void = sql.NullInt64{Int64: ms(now), Valid: true}
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE app_registrations SET wrong_tries = ?, voided_at = ? WHERE id = ?`),
				tries, void, id); err != nil {
				return err
			}
			return s.audit(ctx, tx, now, "cardholder", "app_registration_wrong", "", map[string]any{
				"cardholder": cardholder, "wrong_tries": tries})
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE app_registrations SET used_at = ? WHERE id = ?`), ms(now), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, now, "cardholder", "app_registration_claim", "", map[string]any{"cardholder": cardholder})
	})
	if err == nil && wrong {
		err = ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("store: claim app registration: %w", err)
	}
	return cardholder, nil
}

// PendingAppRegistration returns the cardholder's newest registration that
// can still be redeemed (not used, voided or expired): the portal shows
// its ID again until it is used or runs out, so a reload or a second tab
// does not need a new one (and a new mail).
func (s *Store) PendingAppRegistration(ctx context.Context, cardholderID int64, now time.Time) (AppRegistration, error) {
	var r AppRegistration
	var expires, created int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id, cardholder_id, password_hash, expires_at, created_at
		FROM app_registrations WHERE cardholder_id = ? AND used_at IS NULL AND voided_at IS NULL
			AND wrong_tries < ? AND expires_at > ?
		ORDER BY created_at DESC LIMIT 1`), cardholderID, maxRegistrationTries, ms(now)).
		Scan(&r.ID, &r.CardholderID, &r.PasswordHash, &expires, &created)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return AppRegistration{}, fmt.Errorf("store: pending app registration of %d: %w", cardholderID, err)
	}
	r.ExpiresAt, r.CreatedAt = fromMS(expires), fromMS(created)
	return r, nil
}
