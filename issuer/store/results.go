package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Result is one outcome report of the edge for one authentication.
type Result struct {
	// JTI identifies the report; a report is applied once however often it
	// is delivered.
	JTI              string
	AuthenticationID string
	Status           string // Y N U A R
	Reason           string
	// Gen is the generation of the challenge token the outcome came from.
	Gen        int
	Attempts   int
	ReceivedAt time.Time
}

// finalStatus reports whether a result may carry status s.
func finalStatus(s string) bool {
	switch s {
	case "Y", "N", "U", "A", "R":
		return true
	}
	return false
}

// RecordResult applies r: the authentication takes r's status once. It
// returns applied=false and no error for a report already seen (the same
// jti again) and for a second report of the outcome already recorded, so the
// edge may retry freely. It returns ErrConflict for a jti reused with other
// content, for an outcome different from the one recorded, for a gen newer
// than any issued, and for a Y from a generation a resend superseded (the
// earlier code was invalidated). ErrNotFound if the authentication does not
// exist.
func (s *Store) RecordResult(ctx context.Context, r Result) (applied bool, err error) {
	if !finalStatus(r.Status) {
		return false, fmt.Errorf("store: record result %s: status %q is not final: %w", r.JTI, r.Status, ErrConflict)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		applied = false // a retried run starts over
		var status, reason string
		var gen int
		err := tx.QueryRowContext(ctx, s.q(`SELECT status, reason, gen FROM authentications WHERE id = ?`), r.AuthenticationID).
			Scan(&status, &reason, &gen)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO results (jti, authentication_id, status, reason, gen, attempts, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (jti) DO NOTHING`),
			r.JTI, r.AuthenticationID, r.Status, r.Reason, r.Gen, r.Attempts, ms(r.ReceivedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return s.sameResult(ctx, tx, r)
		}
		switch {
		case r.Gen > gen:
			return fmt.Errorf("gen %d was never issued (newest %d): %w", r.Gen, gen, ErrConflict)
		case r.Status == "Y" && r.Gen != gen:
			return fmt.Errorf("Y from superseded gen %d (newest %d): %w", r.Gen, gen, ErrConflict)
		case status != statusChallenge && status == r.Status && reason == r.Reason:
			return nil // the outcome we have, reported again under a new jti
		case status != statusChallenge:
			return fmt.Errorf("authentication is final (%s), result says %s: %w", status, r.Status, ErrConflict)
		}
		res, err = tx.ExecContext(ctx, s.q(`UPDATE authentications SET status = ?, reason = ?, finished_at = ?, updated_at = ?,
				secret_enc = NULL
			WHERE id = ? AND status = 'C'`), r.Status, r.Reason, ms(r.ReceivedAt), ms(r.ReceivedAt), r.AuthenticationID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("authentication changed concurrently: %w", ErrConflict)
		}
		applied = true
		if r.Status == "Y" {
			if err := s.rememberDevice(ctx, tx, r.AuthenticationID, r.ReceivedAt); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, r.ReceivedAt, "edge", "result", r.AuthenticationID, map[string]any{
			"status": r.Status, "reason": r.Reason, "gen": r.Gen, "attempts": r.Attempts, "jti": r.JTI,
		})
	})
	if err != nil {
		return false, fmt.Errorf("store: record result %s for %s: %w", r.JTI, r.AuthenticationID, err)
	}
	return applied, nil
}

// sameResult checks that the stored report with r's jti says what r says.
func (s *Store) sameResult(ctx context.Context, tx *sql.Tx, r Result) error {
	var got Result
	err := tx.QueryRowContext(ctx, s.q(`SELECT authentication_id, status, reason, gen FROM results WHERE jti = ?`), r.JTI).
		Scan(&got.AuthenticationID, &got.Status, &got.Reason, &got.Gen)
	if err != nil {
		return err
	}
	if got.AuthenticationID != r.AuthenticationID || got.Status != r.Status || got.Reason != r.Reason || got.Gen != r.Gen {
		return fmt.Errorf("jti reused for a different result: %w", ErrConflict)
	}
	return nil
}
