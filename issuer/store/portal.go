package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honnin/honnin/issuer"
)

// The cardholder's own settings that the portal changes. Each is one
// guarded UPDATE of the card's row; ErrNotFound when the card is gone.

// PortalPasswordHash returns the card's portal password hash (an argon2id
// PHC string), "" when the card has no portal password.
func (s *Store) PortalPasswordHash(ctx context.Context, cardholderID int64) (string, error) {
	var h string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT portal_password_hash FROM cardholders WHERE id = ?`), cardholderID).Scan(&h)
	if err != nil {
		return "", fmt.Errorf("store: portal password of cardholder %d: %w", cardholderID, notFound(err))
	}
	return h, nil
}

// SetPortalPassword stores hash (passhash.Hash of the new password) as the
// card's portal password. actor is who set it ("cardholder", "operator",
// "demo"), for the audit trail.
func (s *Store) SetPortalPassword(ctx context.Context, cardholderID int64, hash, actor string, at time.Time) error {
	if hash == "" {
		return fmt.Errorf("store: set portal password of cardholder %d: empty hash", cardholderID)
	}
	return s.updateCardholder(ctx, cardholderID, actor, "portal_password", at, nil,
		`UPDATE cardholders SET portal_password_hash = ? WHERE id = ?`, hash, cardholderID)
}

// SetPersonalMessage replaces the card's personal message with msg, which
// must pass issuer.CheckPersonalMessage, and ends its provisional state.
func (s *Store) SetPersonalMessage(ctx context.Context, cardholderID int64, msg, actor string, at time.Time) error {
	clean, err := issuer.CheckPersonalMessage(msg)
	if err != nil {
		return fmt.Errorf("store: set personal message of cardholder %d: %w", cardholderID, err)
	}
	return s.updateCardholder(ctx, cardholderID, actor, "personal_message", at, nil,
		`UPDATE cardholders SET personal_message = ?, message_provisional = 0 WHERE id = ?`, clean, cardholderID)
}

// SetSharingOptOut records the cardholder's choice about sharing device
// data with the third-party risk service.
func (s *Store) SetSharingOptOut(ctx context.Context, cardholderID int64, optOut bool, actor string, at time.Time) error {
	return s.updateCardholder(ctx, cardholderID, actor, "device_data_sharing", at, map[string]any{"opt_out": optOut},
		`UPDATE cardholders SET share_device_data = ? WHERE id = ?`, flag(!optOut), cardholderID)
}

// StopService stops the service for the card at at: from then on its
// authentications are answered as not enrolled. Stopping a stopped card
// keeps the first time.
func (s *Store) StopService(ctx context.Context, cardholderID int64, actor string, at time.Time) error {
	return s.updateCardholder(ctx, cardholderID, actor, "service_stop", at, nil,
		`UPDATE cardholders SET service_stopped_at = COALESCE(service_stopped_at, ?) WHERE id = ?`, ms(at), cardholderID)
}

// RestartService resumes the service for the card.
func (s *Store) RestartService(ctx context.Context, cardholderID int64, actor string, at time.Time) error {
	return s.updateCardholder(ctx, cardholderID, actor, "service_restart", at, nil,
		`UPDATE cardholders SET service_stopped_at = NULL WHERE id = ?`, cardholderID)
}

// updateCardholder runs one UPDATE of a cardholder row and its audit
// entry in one transaction, turning "no row" into ErrNotFound. The entry
// names the change, never the new value (a message or a hash).
func (s *Store) updateCardholder(ctx context.Context, id int64, actor, action string, at time.Time, detail map[string]any,
	query string, args ...any) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := changedRow(tx.ExecContext(ctx, s.q(query), args...)); err != nil {
			return err
		}
		if detail == nil {
			detail = map[string]any{}
		}
		detail["cardholder"] = id
		return s.audit(ctx, tx, at, actor, action, "", detail)
	})
	if err != nil {
		return fmt.Errorf("store: %s of cardholder %d: %w", strings.ReplaceAll(action, "_", " "), id, err)
	}
	return nil
}

// notFound maps sql.ErrNoRows to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
