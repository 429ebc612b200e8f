package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AVKey is one key of the authentication value (issuer/authvalue) as the
// database keeps it: sealed by the issuer's vault, never in clear.
type AVKey struct {
	// ID is the key id a value carries, 1 to 255.
	ID     int
	Sealed []byte
	// CreatedAt is when the key was made; RetiredAt when a newer key took
	// over minting (zero for the current key).
	CreatedAt time.Time
	RetiredAt time.Time
}

// AVKeys lists every authentication-value key, lowest id first: the last
// one mints.
func (s *Store) AVKeys(ctx context.Context) ([]AVKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, sealed, created_at, retired_at FROM av_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: av keys: %w", err)
	}
	defer rows.Close()
	var out []AVKey
	for rows.Next() {
		var k AVKey
		var created int64
		var retired sql.NullInt64
		if err := rows.Scan(&k.ID, &k.Sealed, &created, &retired); err != nil {
			return nil, fmt.Errorf("store: av keys: %w", err)
		}
		k.CreatedAt = fromMS(created)
		if retired.Valid {
			k.RetiredAt = fromMS(retired.Int64)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: av keys: %w", err)
	}
	return out, nil
}

// AddAVKey inserts k unless a key with its id exists, and reports whether
// it did. Two replicas making the first key at once (or two rotations)
// both try the same id: one inserts, the other gets false and reads the
// winner's key. An id outside 1-255 is ErrConflict.
func (s *Store) AddAVKey(ctx context.Context, k AVKey) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO av_keys (id, sealed, created_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO NOTHING`), k.ID, k.Sealed, ms(k.CreatedAt))
	if isConstraint(err) {
		return false, fmt.Errorf("store: add av key %d: %w (%v)", k.ID, ErrConflict, err)
	}
	if err != nil {
		return false, fmt.Errorf("store: add av key %d: %w", k.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: add av key %d: %w", k.ID, err)
	}
	return n == 1, nil
}

// RetireAVKeys marks every key below current that is not retired yet as
// retired at now (they stop minting; they still check values), and
// returns how many it marked.
func (s *Store) RetireAVKeys(ctx context.Context, current int, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE av_keys SET retired_at = ? WHERE id < ? AND retired_at IS NULL`), ms(now), current)
	if err != nil {
		return 0, fmt.Errorf("store: retire av keys: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: retire av keys: %w", err)
	}
	return int(n), nil
}
