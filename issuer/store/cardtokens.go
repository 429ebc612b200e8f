package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/honnin/honnin/issuer"

	"github.com/honnin/honnin/edge/limits"
)

// The cardholder's own hand on their hardware tokens (seed: "each lockable
// by the cardholder"). Each change is one guarded statement, so the rule
// holds under races too: a cardholder locks only an active token and
// unlocks only what they locked themselves — a token locked for wrong
// codes or by the issuer's staff stays locked until the staff unlock it,
// else locking and unlocking would be a way around the failure lock.

// CardTokens returns the card's hardware tokens as its holder sees them:
// the ones it holds (active or locked) and the ones it reported lost, by
// assignment.
func (s *Store) CardTokens(ctx context.Context, cardholderID int64) ([]issuer.Credential, error) {
	cs, err := s.credentials(ctx, s.db, `c.cardholder_id = ? AND c.kind = 'token'
		AND (c.state <> 'revoked' OR c.lock_reason = 'lost')`, cardholderID)
	if err != nil {
		return nil, fmt.Errorf("store: tokens of %d: %w", cardholderID, err)
	}
	return cs, nil
}

// LockCardToken locks the card's active token credential id (reason
// cardholder). A token of another card, or one that is not active, is
// ErrConflict: the caller shows why from the credential's state.
func (s *Store) LockCardToken(ctx context.Context, cardholderID, id int64, now time.Time) error {
	return s.cardTokenChange(ctx, "lock", cardholderID, id, now,
		`state = 'locked', lock_reason = 'cardholder', locked_at = ?`, `state = 'active'`, "credential_lock")
}

// UnlockCardToken unlocks the card's token credential id if the
// cardholder locked it; its failure count is kept (this is not the staff's
// fresh start). Any other lock is ErrConflict.
func (s *Store) UnlockCardToken(ctx context.Context, cardholderID, id int64, now time.Time) error {
	return s.cardTokenChange(ctx, "unlock", cardholderID, id, now,
		`state = 'active', lock_reason = '', locked_at = NULL`, `state = 'locked' AND lock_reason = 'cardholder'`, "credential_unlock")
}

// ReportTokenLost revokes the card's token credential id for good (reason
// lost), whatever its lock: a lost token must never pass a challenge
// again. A revoked one is ErrConflict.
func (s *Store) ReportTokenLost(ctx context.Context, cardholderID, id int64, now time.Time) error {
	return s.cardTokenChange(ctx, "report lost", cardholderID, id, now,
		`state = 'revoked', lock_reason = 'lost'`, `state <> 'revoked'`, "credential_revoke")
}

// cardTokenChange applies set to token credential id of the cardholder
// when it matches guard, audits it as action and brings the card's OTP
// lock up to date.
func (s *Store) cardTokenChange(ctx context.Context, what string, cardholderID, id int64, now time.Time, set, guard, action string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.credential(ctx, tx, `c.id = ? AND c.cardholder_id = ? AND c.kind = 'token'`, id, cardholderID)
		if err != nil {
			return err
		}
		args := []any{}
		if what == "lock" {
			args = append(args, ms(now))
		}
		args = append(args, ms(now), id)
		res, err := tx.ExecContext(ctx, s.q(`UPDATE credentials SET `+set+`, updated_at = ? WHERE id = ? AND `+guard), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("token is %s (%s): %w", c.State, c.LockReason, ErrConflict)
		}
		if err := s.auditCred(ctx, tx, now, "cardholder", action, c, map[string]any{"reason": "cardholder:" + what}); err != nil {
			return err
		}
		if what == "unlock" {
			// The cardholder's own lock lifted: the count of wrong codes
			// is as it was.
			if err := s.changed(ctx, tx, c.ID, min(c.Failures, limits.FailuresPerCredential), now); err != nil {
				return err
			}
			return s.refreshOTPLock(ctx, tx, cardholderID)
		}
		if err := s.changed(ctx, tx, c.ID, limits.FailuresPerCredential, now); err != nil {
			return err
		}
		// A lock or a loss may leave no active token: the card is then
		// OTP-locked; neither ever lifts a lock.
		return s.markOTPLock(ctx, tx, cardholderID)
	})
	if err != nil {
		return fmt.Errorf("store: %s token credential %d of %d: %w", what, id, cardholderID, err)
	}
	return nil
}
