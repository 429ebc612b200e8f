package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/honnin/honnin/issuer"
)

// A person is whoever signs in to the portal: one person may hold several
// cards (combined login), each keeping its own settings. A card belongs to
// at most one person.

// EnsurePerson returns the person the card belongs to, creating a person
// of its own for a card that has none (its first sign-in).
func (s *Store) EnsurePerson(ctx context.Context, cardholderID int64, now time.Time) (int64, error) {
	var person int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`SELECT person_id FROM person_cards WHERE cardholder_id = ?`), cardholderID).Scan(&person)
		if err == nil || !isNoRows(err) {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q(`INSERT INTO people (created_at) VALUES (?) RETURNING id`), ms(now)).Scan(&person); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO person_cards (cardholder_id, person_id, linked_at) VALUES (?, ?, ?)`),
			cardholderID, person, ms(now))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: person of cardholder %d: %w", cardholderID, err)
	}
	return person, nil
}

// PersonCards returns the cards of a person, oldest link first.
func (s *Store) PersonCards(ctx context.Context, personID int64) ([]issuer.Cardholder, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+prefixed("c.", cardholderColumns)+`
		FROM person_cards p JOIN cardholders c ON c.id = p.cardholder_id
		WHERE p.person_id = ? ORDER BY p.linked_at, c.id`), personID)
	if err != nil {
		return nil, fmt.Errorf("store: cards of person %d: %w", personID, err)
	}
	defer rows.Close()
	var out []issuer.Cardholder
	for rows.Next() {
		c, err := scanCardholder(rows)
		if err != nil {
			return nil, fmt.Errorf("store: cards of person %d: %w", personID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: cards of person %d: %w", personID, err)
	}
	return out, nil
}

// LinkCard makes the card one of the person's, taking it from the person
// it belonged to before (the caller has proved the card: its portal
// password and a code to its address).
func (s *Store) LinkCard(ctx context.Context, personID, cardholderID int64, actor string, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO person_cards (cardholder_id, person_id, linked_at) VALUES (?, ?, ?)
			ON CONFLICT (cardholder_id) DO UPDATE SET person_id = excluded.person_id, linked_at = excluded.linked_at`),
			cardholderID, personID, ms(now))
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, now, actor, "card_link", "", map[string]any{"cardholder": cardholderID, "person": personID})
	})
	if err != nil {
		return fmt.Errorf("store: link cardholder %d to person %d: %w", cardholderID, personID, err)
	}
	return nil
}

// UnlinkCard removes the card from the person: it signs in on its own
// again (and gets a person of its own then). Sessions of the person that
// manage this card end. ErrNotFound when the card is not the person's.
func (s *Store) UnlinkCard(ctx context.Context, personID, cardholderID int64, actor string, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := changedRow(tx.ExecContext(ctx, s.q(`DELETE FROM person_cards WHERE person_id = ? AND cardholder_id = ?`), personID, cardholderID)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM portal_sessions WHERE person_id = ? AND cardholder_id = ?`), personID, cardholderID); err != nil {
			return err
		}
		return s.audit(ctx, tx, now, actor, "card_unlink", "", map[string]any{"cardholder": cardholderID, "person": personID})
	})
	if err != nil {
		return fmt.Errorf("store: unlink cardholder %d from person %d: %w", cardholderID, personID, err)
	}
	return nil
}

// PersonHasCard reports whether the card is one of the person's.
func (s *Store) PersonHasCard(ctx context.Context, personID, cardholderID int64) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT 1 FROM person_cards WHERE person_id = ? AND cardholder_id = ?`), personID, cardholderID).Scan(&one)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: card %d of person %d: %w", cardholderID, personID, err)
	}
	return true, nil
}
