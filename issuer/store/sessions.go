package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PortalSession is a signed-in portal session. IDHash is the SHA-256 of
// the cookie value: the value itself is never stored.
type PortalSession struct {
	IDHash       []byte
	PersonID     int64
	CardholderID int64 // the card being managed
	Locale       string
	CSRF         string
	// Flash is a message key for the next page, "" for none.
	Flash     string
	CreatedAt time.Time
	SeenAt    time.Time
}

// CreatePortalSession stores a new session.
func (s *Store) CreatePortalSession(ctx context.Context, p PortalSession) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO portal_sessions
		(id_hash, person_id, cardholder_id, locale, csrf, flash, created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		p.IDHash, p.PersonID, p.CardholderID, p.Locale, p.CSRF, p.Flash, ms(p.CreatedAt), ms(p.SeenAt))
	if err != nil {
		return fmt.Errorf("store: create portal session: %w", err)
	}
	return nil
}

// PortalSession returns the session whose cookie hashes to idHash.
func (s *Store) PortalSession(ctx context.Context, idHash []byte) (PortalSession, error) {
	p := PortalSession{IDHash: idHash}
	var created, seen int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT person_id, cardholder_id, locale, csrf, flash, created_at, seen_at
		FROM portal_sessions WHERE id_hash = ?`), idHash).
		Scan(&p.PersonID, &p.CardholderID, &p.Locale, &p.CSRF, &p.Flash, &created, &seen)
	if err != nil {
		return PortalSession{}, fmt.Errorf("store: portal session: %w", notFound(err))
	}
	p.CreatedAt, p.SeenAt = fromMS(created), fromMS(seen)
	return p, nil
}

// TouchPortalSession records activity at at (the idle timeout counts
// from it) and clears the flash, which the caller has just shown.
func (s *Store) TouchPortalSession(ctx context.Context, idHash []byte, at time.Time) error {
	return s.updateSession(ctx, "touch", `UPDATE portal_sessions SET seen_at = ?, flash = '' WHERE id_hash = ?`, ms(at), idHash)
}

// SetPortalSessionFlash keeps a message key for the session's next page.
func (s *Store) SetPortalSessionFlash(ctx context.Context, idHash []byte, flash string) error {
	return s.updateSession(ctx, "set flash", `UPDATE portal_sessions SET flash = ? WHERE id_hash = ?`, flash, idHash)
}

// SetPortalSessionLocale changes the session's language.
func (s *Store) SetPortalSessionLocale(ctx context.Context, idHash []byte, locale string) error {
	return s.updateSession(ctx, "set locale", `UPDATE portal_sessions SET locale = ? WHERE id_hash = ?`, locale, idHash)
}

// SetPortalSessionCard switches the card the session manages. The card
// must be one of the session's person's: ErrNotFound otherwise.
func (s *Store) SetPortalSessionCard(ctx context.Context, idHash []byte, cardholderID int64) error {
	return s.updateSession(ctx, "switch card", `UPDATE portal_sessions SET cardholder_id = ?
		WHERE id_hash = ? AND EXISTS (SELECT 1 FROM person_cards p
			WHERE p.person_id = portal_sessions.person_id AND p.cardholder_id = ?)`, cardholderID, idHash, cardholderID)
}

// DeletePortalSession ends a session (sign-out, expiry).
func (s *Store) DeletePortalSession(ctx context.Context, idHash []byte) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM portal_sessions WHERE id_hash = ?`), idHash); err != nil {
		return fmt.Errorf("store: delete portal session: %w", err)
	}
	return nil
}

// EndOtherPortalSessions ends every session of the person but keep (a
// password change signs out the other devices).
func (s *Store) EndOtherPortalSessions(ctx context.Context, personID int64, keep []byte) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM portal_sessions WHERE person_id = ? AND id_hash <> ?`), personID, keep); err != nil {
		return fmt.Errorf("store: end other portal sessions of person %d: %w", personID, err)
	}
	return nil
}

// PrunePortal removes what the portal no longer needs: sessions idle
// since before idleBefore or created before createdBefore, codes that
// expired before createdBefore, and per-address attempts older than
// attemptsBefore. It returns the sessions removed.
func (s *Store) PrunePortal(ctx context.Context, idleBefore, createdBefore, attemptsBefore time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM portal_sessions WHERE seen_at < ? OR created_at < ?`),
			ms(idleBefore), ms(createdBefore))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM portal_codes WHERE expires_at < ?`), ms(createdBefore)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM portal_ip_attempts WHERE at < ?`), ms(attemptsBefore))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune portal: %w", err)
	}
	return n, nil
}

func (s *Store) updateSession(ctx context.Context, what, query string, args ...any) error {
	if err := changedRow(s.db.ExecContext(ctx, s.q(query), args...)); err != nil {
		return fmt.Errorf("store: portal session %s: %w", what, err)
	}
	return nil
}
