package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Portal code purposes.
const (
	PortalCodeSignIn = "signin"
	PortalCodeLink   = "link"
)

// PortalCode is a one-time code of the portal: sent to a card's email for
// a sign-in or for linking the card to a person. IDHash is the SHA-256 of
// the handle the browser holds; Code the vault-sealed code.
type PortalCode struct {
	IDHash       []byte
	CardholderID int64
	Purpose      string
	PersonID     int64 // the person a link adds the card to; 0 for sign-in
	Code         []byte
	Tries        int
	ExpiresAt    time.Time
	UsedAt       time.Time
	CreatedAt    time.Time
}

// CreatePortalCode stores a new code.
func (s *Store) CreatePortalCode(ctx context.Context, c PortalCode) error {
	var person sql.NullInt64
	if c.PersonID != 0 {
		person = sql.NullInt64{Int64: c.PersonID, Valid: true}
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO portal_codes
		(id_hash, cardholder_id, purpose, person_id, code_enc, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		c.IDHash, c.CardholderID, c.Purpose, person, c.Code, ms(c.ExpiresAt), ms(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create portal %s code: %w", c.Purpose, err)
	}
	return nil
}

// PortalCode returns the code with the given handle hash.
func (s *Store) PortalCode(ctx context.Context, idHash []byte) (PortalCode, error) {
	c := PortalCode{IDHash: idHash}
	var person, used sql.NullInt64
	var expires, created int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT cardholder_id, purpose, person_id, code_enc, tries, expires_at, used_at, created_at
		FROM portal_codes WHERE id_hash = ?`), idHash).
		Scan(&c.CardholderID, &c.Purpose, &person, &c.Code, &c.Tries, &expires, &used, &created)
	if err != nil {
		return PortalCode{}, fmt.Errorf("store: portal code: %w", notFound(err))
	}
	c.PersonID = person.Int64
	c.ExpiresAt, c.UsedAt, c.CreatedAt = fromMS(expires), fromNullMS(used), fromMS(created)
	return c, nil
}

// PortalCodeWrong counts a wrong try and returns the tries so far.
func (s *Store) PortalCodeWrong(ctx context.Context, idHash []byte) (int, error) {
	var tries int
	err := s.db.QueryRowContext(ctx, s.q(`UPDATE portal_codes SET tries = tries + 1 WHERE id_hash = ? RETURNING tries`), idHash).Scan(&tries)
	if err != nil {
		return 0, fmt.Errorf("store: portal code wrong try: %w", notFound(err))
	}
	return tries, nil
}

// UsePortalCode marks the code used, once: ErrConflict when it was used
// already, has expired at now or has had maxTries tries, so two
// submissions of the same right code cannot both sign in.
func (s *Store) UsePortalCode(ctx context.Context, idHash []byte, now time.Time, maxTries int) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE portal_codes SET used_at = ?
		WHERE id_hash = ? AND used_at IS NULL AND expires_at > ? AND tries < ?`), ms(now), idHash, ms(now), maxTries)
	if err != nil {
		return fmt.Errorf("store: use portal code: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: use portal code: %w", err)
	} else if n == 0 {
		return fmt.Errorf("store: use portal code: %w", ErrConflict)
	}
	return nil
}
