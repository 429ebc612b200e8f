package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Push is one credential state the issuer owes the edge (table
// edge_pushes), queued by the change that made it (see changed).
type Push struct {
	ID       int64
	Cred     string
	Epoch    int64
	Failures int
	Tries    int
}

// ClaimPushes leases up to limit due pushes, oldest first, to the caller
// for lease: another deliverer (another issuer replica) skips them, and a
// deliverer that dies loses nothing, since they come due again.
func (s *Store) ClaimPushes(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Push, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`UPDATE edge_pushes SET due_at = ?
		WHERE id IN (SELECT id FROM edge_pushes WHERE due_at <= ? ORDER BY id LIMIT ?)
		RETURNING id, cred, epoch, failures, tries`), ms(now.Add(lease)), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim pushes: %w", err)
	}
	defer rows.Close()
	var out []Push
	for rows.Next() {
		var p Push
		if err := rows.Scan(&p.ID, &p.Cred, &p.Epoch, &p.Failures, &p.Tries); err != nil {
			return nil, fmt.Errorf("store: claim pushes: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: claim pushes: %w", err)
	}
	// RETURNING gives no order: deliver in the order the changes happened.
	slices.SortFunc(out, func(a, b Push) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// PushesDone removes pushes the edge has.
func (s *Store) PushesDone(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM edge_pushes WHERE id = ?`), id); err != nil {
			return fmt.Errorf("store: push %d done: %w", id, err)
		}
	}
	return nil
}

// PushesFailed reschedules pushes the edge did not take, for next.
func (s *Store) PushesFailed(ctx context.Context, ids []int64, next time.Time, why string) error {
	for _, id := range ids {
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE edge_pushes SET tries = tries + 1, due_at = ?, last_error = ? WHERE id = ?`),
			ms(next), why, id); err != nil {
			return fmt.Errorf("store: push %d failed: %w", id, err)
		}
	}
	return nil
}

// PendingPushes counts the pushes the edge has not taken yet.
func (s *Store) PendingPushes(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM edge_pushes`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: pending pushes: %w", err)
	}
	return n, nil
}
