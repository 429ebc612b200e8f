package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/honnin/honnin/issuer"
)

// CreateCardholder enrolls a new card. Unlike UpsertCardholder it never
// touches an existing row: a card enrolled already is ErrConflict, so an
// operator adding a card twice learns of it instead of overwriting the
// holder's contact details.
func (s *Store) CreateCardholder(ctx context.Context, c issuer.Cardholder) (issuer.Cardholder, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id FROM cardholders WHERE pan_hmac = ?`), c.PANHMAC).Scan(&id)
	switch {
	case err == nil:
		return issuer.Cardholder{}, fmt.Errorf("store: create cardholder *%s: card enrolled already: %w", c.Last4, ErrConflict)
	case !errors.Is(err, sql.ErrNoRows):
		return issuer.Cardholder{}, fmt.Errorf("store: create cardholder *%s: %w", c.Last4, err)
	}
	// Two operators adding the same card at once: the unique pan_hmac lets
	// one insert through and UpsertCardholder would let the second
	// overwrite it, so the insert is done here without an upsert.
	c = c.WithDefaults()
	err = s.db.QueryRowContext(ctx, s.q(`INSERT INTO cardholders
		(pan_hmac, last4, email, phone, personal_message, preferred_method, locale, status,
		 country, share_device_data, otp_locked, message_provisional, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pan_hmac) DO NOTHING RETURNING id`),
		c.PANHMAC, c.Last4, c.Email, c.Phone, c.PersonalMessage, c.PreferredMethod, c.Locale, c.Status,
		c.Country, flag(!c.SharingOptOut), flag(c.OTPLocked), flag(c.MessageProvisional), ms(c.CreatedAt)).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return issuer.Cardholder{}, fmt.Errorf("store: create cardholder *%s: card enrolled already: %w", c.Last4, ErrConflict)
	case isConstraint(err):
		return issuer.Cardholder{}, fmt.Errorf("store: create cardholder *%s: %w (%v)", c.Last4, ErrConflict, err)
	case err != nil:
		return issuer.Cardholder{}, fmt.Errorf("store: create cardholder *%s: %w", c.Last4, err)
	}
	return s.Cardholder(ctx, id)
}

// CardholderFilter selects cardholders for a listing.
type CardholderFilter struct {
	// Status is one Cardholder... status; "" for all.
	Status string
	// Limit caps the number returned; 0 or less means no cap.
	Limit int
}

// Cardholders returns the cardholders f selects, newest first.
func (s *Store) Cardholders(ctx context.Context, f CardholderFilter) ([]issuer.Cardholder, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = math.MaxInt32 // LIMIT ALL in a form both SQLite and PostgreSQL take
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id FROM cardholders WHERE ? = '' OR status = ?
		ORDER BY id DESC LIMIT ?`), f.Status, f.Status, limit)
	if err != nil {
		return nil, fmt.Errorf("store: cardholders: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: cardholders: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: cardholders: %w", err)
	}
	// One row each through Cardholder keeps a single definition of the
	// columns and their scanning; a listing is an operator's, not a hot path.
	out := make([]issuer.Cardholder, 0, len(ids))
	for _, id := range ids {
		c, err := s.Cardholder(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
