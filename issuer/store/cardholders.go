package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Cardholder statuses. Only an active cardholder is challenged.
const (
	CardholderActive = "active"
	CardholderLocked = "locked"
	CardholderClosed = "closed"
)

// Cardholder is an enrolled card and how to reach its holder.
type Cardholder struct {
	ID int64
	// PANHMAC is pan.Hasher.Sum of the card number: the lookup key.
	PANHMAC         []byte
	Last4           string
	Email           string
	Phone           string
	PersonalMessage string
	// PreferredMethod is email, sms, app or token.
	PreferredMethod string
	// Locale is the language of the mail and SMS texts (ja, en).
	Locale string
	Status string
	// Country is the card's country (ISO 3166-1 alpha-2), for the risk
	// rules; empty when unknown.
	Country string
	// SharingOptOut: the cardholder has opted out of sharing device data
	// with the third-party risk service (column share_device_data = 0); the
	// engine then decides without it. The zero value shares, as the
	// column's default does.
	SharingOptOut bool
	// OTPLocked: the one-time-code credential is locked.
	OTPLocked bool
	CreatedAt time.Time
	// MessageProvisional: PersonalMessage is still the one enrolment set;
	// the portal asks the cardholder to replace it. Read only here:
	// enrolment (a changed message in UpsertCardholder) sets it and
	// SetPersonalMessage clears it.
	MessageProvisional bool
	// ServiceStoppedAt is when the cardholder stopped the service for the
	// card in the portal; zero while it runs. A stopped card is answered
	// as not enrolled.
	ServiceStoppedAt time.Time
}

const cardholderColumns = `id, pan_hmac, last4, email, phone, personal_message, preferred_method, locale, status,
	country, share_device_data, otp_locked, created_at, message_provisional, service_stopped_at`

// UpsertCardholder enrolls c, or, when its card is enrolled already, brings
// the existing row's contact details, message, method, locale and status to
// c's. It returns the stored cardholder.
func (s *Store) UpsertCardholder(ctx context.Context, c Cardholder) (Cardholder, error) {
	if c.PreferredMethod == "" {
		c.PreferredMethod = "email"
	}
	if c.Status == "" {
		c.Status = CardholderActive
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
		c.Country, !c.SharingOptOut, c.OTPLocked, ms(c.CreatedAt))
	got, err := scanCardholder(row)
	if err != nil {
		return Cardholder{}, fmt.Errorf("store: upsert cardholder *%s: %w", c.Last4, err)
	}
	return got, nil
}

// CardholderByPAN returns the cardholder whose card hashes to h.
func (s *Store) CardholderByPAN(ctx context.Context, h []byte) (Cardholder, error) {
	c, err := scanCardholder(s.db.QueryRowContext(ctx, s.q(`SELECT `+cardholderColumns+` FROM cardholders WHERE pan_hmac = ?`), h))
	if err != nil {
		return Cardholder{}, fmt.Errorf("store: cardholder by card: %w", err)
	}
	return c, nil
}

// Cardholder returns the cardholder with the given id.
func (s *Store) Cardholder(ctx context.Context, id int64) (Cardholder, error) {
	c, err := scanCardholder(s.db.QueryRowContext(ctx, s.q(`SELECT `+cardholderColumns+` FROM cardholders WHERE id = ?`), id))
	if err != nil {
		return Cardholder{}, fmt.Errorf("store: cardholder %d: %w", id, err)
	}
	return c, nil
}

func scanCardholder(row interface{ Scan(...any) error }) (Cardholder, error) {
	var c Cardholder
	var created int64
	var share bool
	var stopped sql.NullInt64
	err := row.Scan(&c.ID, &c.PANHMAC, &c.Last4, &c.Email, &c.Phone, &c.PersonalMessage,
		&c.PreferredMethod, &c.Locale, &c.Status, &c.Country, &share, &c.OTPLocked, &created,
		&c.MessageProvisional, &stopped)
	if errors.Is(err, sql.ErrNoRows) {
		return Cardholder{}, ErrNotFound
	}
	if err != nil {
		return Cardholder{}, err
	}
	c.CreatedAt = fromMS(created)
	c.SharingOptOut = !share
	c.ServiceStoppedAt = fromNullMS(stopped)
	return c, nil
}
