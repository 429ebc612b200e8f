package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer"
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
	Gen      int
	Attempts int
	// Cred is the public id of the credential whose code matched, on a Y
	// (empty for a password, checked by the issuer: the authentication's
	// one credential, and for a frictionless Y: none).
	Cred string
	// ResultToken is the result token the edge minted.
	ResultToken string
	ReceivedAt  time.Time
}

// RecordResult applies r: the authentication takes r's status once, and
// returns the status recorded (when r was not applied, the status the
// authentication has: a caller whose earlier try recorded a Y and then
// failed finishes the Y's work on the edge's retry). It returns
// applied=false and no error for a
// report already seen (the same jti again), for a second report of the
// outcome already recorded, and for any report of an authentication the
// issuer ended as superseded (the edge may not have known yet), so the
// edge may retry freely. It returns ErrConflict for a jti reused with other
// content, for an outcome different from the one recorded, for a gen newer
// than any issued, and for a Y from a generation a resend superseded (the
// earlier code was invalidated). ErrNotFound if the authentication does not
// exist.
//
// A Y whose credential is not active (locked or revoked since the
// challenge was sealed: the edge may not have heard yet) is recorded as N
// credential_locked: the issuer never records Y for a credential that is
// not active, so the authentication value of such a Y is never honoured.
func (s *Store) RecordResult(ctx context.Context, r Result) (applied bool, status string, err error) {
	if !contract.FinalStatus(r.Status) {
		return false, "", fmt.Errorf("store: record result %s: status %q is not final: %w", r.JTI, r.Status, ErrConflict)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		applied, status = false, "" // a retried run starts over
		var cur, reason, creds string
		var gen int
		err := tx.QueryRowContext(ctx, s.q(`SELECT status, reason, gen, creds FROM authentications WHERE id = ?`), r.AuthenticationID).
			Scan(&cur, &reason, &gen, &creds)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		status = cur
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
		if cur != contract.StatusChallenge && reason == contract.ReasonSuperseded {
			return nil // the issuer ended it; the edge learns on its next try
		}
		switch {
		case r.Gen > gen:
			return fmt.Errorf("gen %d was never issued (newest %d): %w", r.Gen, gen, ErrConflict)
		case r.Status == "Y" && r.Gen != gen:
			return fmt.Errorf("Y from superseded gen %d (newest %d): %w", r.Gen, gen, ErrConflict)
		case cur != contract.StatusChallenge && cur == r.Status && reason == r.Reason:
			return nil // the outcome we have, reported again under a new jti
		case cur != contract.StatusChallenge && cur == "N" && reason == contract.ReasonCredentialLocked && r.Status == "Y":
			return nil // a refused Y, reported again
		case cur != contract.StatusChallenge:
			return fmt.Errorf("authentication is final (%s), result says %s: %w", cur, r.Status, ErrConflict)
		}
		outReason := r.Reason
		status = r.Status
		if r.Status == "Y" {
			active, err := s.yCredentialActive(ctx, tx, r, creds)
			if err != nil {
				return err
			}
			if !active {
				status, outReason = "N", contract.ReasonCredentialLocked
			}
		}
		res, err = tx.ExecContext(ctx, s.q(`UPDATE authentications SET status = ?, reason = ?, finished_at = ?, updated_at = ?,
				secret_enc = NULL, result_token = ?
			WHERE id = ? AND status = 'C'`), status, outReason, ms(r.ReceivedAt), ms(r.ReceivedAt), r.ResultToken, r.AuthenticationID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("authentication changed concurrently: %w", ErrConflict)
		}
		applied = true
		if status == "Y" {
			if err := s.rememberDevice(ctx, tx, r.AuthenticationID, r.ReceivedAt); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, r.ReceivedAt, "edge", "result", r.AuthenticationID, map[string]any{
			"status": status, "reason": outReason, "reported": r.Status, "gen": r.Gen, "attempts": r.Attempts, "jti": r.JTI,
		})
	})
	if err != nil {
		return false, "", fmt.Errorf("store: record result %s for %s: %w", r.JTI, r.AuthenticationID, err)
	}
	return applied, status, nil
}

// yCredentialActive reports whether the credential a Y names is active: r's
// Cred, or the authentication's one credential (a password); a Y without
// a credential is a frictionless one, decided here, which needs none.
func (s *Store) yCredentialActive(ctx context.Context, tx *sql.Tx, r Result, creds string) (bool, error) {
	cred := r.Cred
	if cred == "" {
		var list []string
		if err := json.Unmarshal([]byte(creds), &list); err != nil {
			return false, fmt.Errorf("creds of %s: %w", r.AuthenticationID, err)
		}
		if len(list) == 0 {
			return true, nil
		}
		if len(list) != 1 {
			return false, nil // a code's Y names its credential; this one did not
		}
		cred = list[0]
	}
	var state string
	err := tx.QueryRowContext(ctx, s.q(`SELECT state FROM credentials WHERE public_id = ?`), cred).Scan(&state)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return state == issuer.CredActive, nil
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
