package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// RecordPreparedSignals keeps signals (JSON of the device signals
// Honnin.prepare collected) on authentication id, for its start to read
// when its own are missing. Only before the risk decision: once decided,
// the signals would be read by nothing, and a late prepare must not
// rewrite what the decision's record says it saw. A later prepare before
// the decision replaces an earlier one (the newest page load is the
// browser's). ErrNotFound for no such authentication; ErrFinal when it has
// its outcome, ErrConflict when it was decided already.
func (s *Store) RecordPreparedSignals(ctx context.Context, id string, signals string, at time.Time) error {
	err := changedRow(s.db.ExecContext(ctx, s.q(`UPDATE authentications SET prepared_signals = ?, updated_at = ?
		WHERE id = ? AND status = 'C' AND decision = ''`), signals, ms(at), id))
	if errors.Is(err, ErrNotFound) {
		var status, decision string
		err = s.db.QueryRowContext(ctx, s.q(`SELECT status, decision FROM authentications WHERE id = ?`), id).Scan(&status, &decision)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = ErrNotFound
		case err != nil:
		case status != contract.StatusChallenge:
			err = fmt.Errorf("status %s: %w", status, ErrFinal)
		default:
			err = fmt.Errorf("decided %q: %w", decision, ErrConflict)
		}
	}
	if err != nil {
		return fmt.Errorf("store: prepared signals of %s: %w", id, err)
	}
	return nil
}

// PreparedSignals returns what RecordPreparedSignals kept for
// authentication id: "" when there was no prepare.
func (s *Store) PreparedSignals(ctx context.Context, id string) (string, error) {
	var signals string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT prepared_signals FROM authentications WHERE id = ?`), id).Scan(&signals)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: prepared signals of %s: %w", id, err)
	}
	return signals, nil
}
