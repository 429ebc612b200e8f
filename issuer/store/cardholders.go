package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/honnin/honnin/issuer"
)

const cardholderColumns = `id, pan_hmac, last4, email, phone, personal_message, preferred_method, locale, status,
	country, share_device_data, otp_locked, created_at, message_provisional, service_stopped_at`

// UpsertCardholder enrolls c, or, when its card is enrolled already, brings
// the existing row's contact details, message, method, locale and status to
// c's. It returns the stored cardholder.
func (s *Store) UpsertCardholder(ctx context.Context, c issuer.Cardholder) (issuer.Cardholder, error) {
	if c.PreferredMethod == "" {
		c.PreferredMethod = "email"
	}
	if c.Status == "" {
		c.Status = issuer.CardholderActive
	}
	if c.Locale == "" {
		c.Locale = "ja"
	}
	row := s.db.QueryRowContext(ctx, s.q(`INSERT INTO cardholders
		(pan_hmac, last4, email, phone, personal_message, preferred_method, locale, status,
		 country, share_device_data, otp_locked, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pan_hmac) DO UPDATE SET
			last4 = excluded.last4, email = excluded.email, phone = excluded.phone,
			personal_message = excluded.personal_message, preferred_method = excluded.preferred_method,
			locale = excluded.locale, status = excluded.status, country = excluded.country,
			share_device_data = excluded.share_device_data, otp_locked = excluded.otp_locked,
			message_provisional = CASE WHEN cardholders.personal_message = excluded.personal_message
				THEN cardholders.message_provisional ELSE 1 END
		RETURNING `+cardholderColumns),
		c.PANHMAC, c.Last4, c.Email, c.Phone, c.PersonalMessage, c.PreferredMethod, c.Locale, c.Status,
		c.Country, flag(!c.SharingOptOut), flag(c.OTPLocked), ms(c.CreatedAt))
	got, err := scanCardholder(row)
	if err != nil {
		return issuer.Cardholder{}, fmt.Errorf("store: upsert cardholder *%s: %w", c.Last4, err)
	}
	return got, nil
}

// CardholderByPAN returns the cardholder whose card hashes to h.
func (s *Store) CardholderByPAN(ctx context.Context, h []byte) (issuer.Cardholder, error) {
	c, err := scanCardholder(s.db.QueryRowContext(ctx, s.q(`SELECT `+cardholderColumns+` FROM cardholders WHERE pan_hmac = ?`), h))
	if err != nil {
		return issuer.Cardholder{}, fmt.Errorf("store: cardholder by card: %w", err)
	}
	return c, nil
}

// Cardholder returns the cardholder with the given id.
func (s *Store) Cardholder(ctx context.Context, id int64) (issuer.Cardholder, error) {
	c, err := scanCardholder(s.db.QueryRowContext(ctx, s.q(`SELECT `+cardholderColumns+` FROM cardholders WHERE id = ?`), id))
	if err != nil {
		return issuer.Cardholder{}, fmt.Errorf("store: cardholder %d: %w", id, err)
	}
	return c, nil
}

// flag is how a boolean column is written: INTEGER 0 or 1 on both
// engines (see doc.go).
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scanCardholder(row interface{ Scan(...any) error }) (issuer.Cardholder, error) {
	var c issuer.Cardholder
	var created int64
	var share bool
	var stopped sql.NullInt64
	err := row.Scan(&c.ID, &c.PANHMAC, &c.Last4, &c.Email, &c.Phone, &c.PersonalMessage,
		&c.PreferredMethod, &c.Locale, &c.Status, &c.Country, &share, &c.OTPLocked, &created,
		&c.MessageProvisional, &stopped)
	if errors.Is(err, sql.ErrNoRows) {
		return issuer.Cardholder{}, ErrNotFound
	}
	if err != nil {
		return issuer.Cardholder{}, err
	}
	c.CreatedAt = fromMS(created)
	c.SharingOptOut = !share
	c.ServiceStoppedAt = fromNullMS(stopped)
	return c, nil
}
