// Package ledger keeps the edge's state per authentication: wrong attempts,
// the newest resend generation, and whether a result was already given.
//
// SQL is written against database/sql and plain SQLite syntax so that the
// same statements serve the native edge (modernc.org/sqlite, see
// edge/ledger/sqlite) and the Workers edge (D1). D1 has no transactions, so
// every operation here is exactly one statement whose WHERE clause makes it
// atomic: two edges racing on one authentication cannot both win.
package ledger

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"time"
)

//go:embed schema.sql
var Schema string

// Entry is what the ledger knows about one authentication. The zero Entry is
// an authentication the ledger has not seen.
type Entry struct {
	// Gen is the newest resend generation recorded.
	Gen int
	// Attempts counts wrong codes across every generation.
	Attempts int
	// Finished reports that the authentication already has its result.
	Finished bool
}

// SQL is the ledger over a database/sql handle. It is safe for concurrent
// use; correctness under concurrency comes from the statements, not from
// locks in this process, so several processes may share one database.
type SQL struct {
	db *sql.DB
}

// NewSQL returns a ledger over db. Call Migrate once before use.
func NewSQL(db *sql.DB) *SQL { return &SQL{db: db} }

// Migrate creates the ledger's table if it does not exist.
func (l *SQL) Migrate(ctx context.Context) error {
	if _, err := l.db.ExecContext(ctx, Schema); err != nil {
		return fmt.Errorf("ledger: migrate: %w", err)
	}
	return nil
}

const attemptSQL = `INSERT INTO edge_auth (id, attempts) VALUES (?1, 1)
ON CONFLICT (id) DO UPDATE SET attempts = edge_auth.attempts + 1, updated = unixepoch()
WHERE edge_auth.attempts < ?2
RETURNING attempts`

// Attempt records one wrong code for authID unless max have already been
// recorded. used is the count after the call; ok is false (and nothing is
// recorded) when the count had already reached max.
func (l *SQL) Attempt(ctx context.Context, authID string, max int) (used int, ok bool, err error) {
	if max < 1 {
		return 0, false, fmt.Errorf("ledger: attempt %s: max %d < 1", authID, max)
	}
	err = l.db.QueryRowContext(ctx, attemptSQL, authID, max).Scan(&used)
	if errors.Is(err, sql.ErrNoRows) {
		e, lerr := l.Lookup(ctx, authID)
		if lerr != nil {
			return 0, false, fmt.Errorf("ledger: attempt %s: %w", authID, lerr)
		}
		return e.Attempts, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("ledger: attempt %s: %w", authID, err)
	}
	return used, true, nil
}

const seeGenSQL = `INSERT INTO edge_auth (id, gen) VALUES (?1, ?2)
ON CONFLICT (id) DO UPDATE SET gen = excluded.gen, updated = unixepoch()
WHERE excluded.gen >= edge_auth.gen
RETURNING gen`

// SeeGen records gen as the newest generation of authID. It refuses (ok
// false, nothing changed) a gen older than one already recorded; seeing the
// same gen again is fine.
func (l *SQL) SeeGen(ctx context.Context, authID string, gen int) (ok bool, err error) {
	var got int
	err = l.db.QueryRowContext(ctx, seeGenSQL, authID, gen).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ledger: see gen %d of %s: %w", gen, authID, err)
	}
	return true, nil
}

const finishSQL = `INSERT INTO edge_auth (id, result_jti) VALUES (?1, ?2)
ON CONFLICT (id) DO UPDATE SET result_jti = excluded.result_jti, updated = unixepoch()
WHERE edge_auth.result_jti IS NULL
RETURNING id`

// Finish marks authID as having its result, the result token's resultJTI.
// first is true for exactly one caller per authentication: an
// authentication gets one result, whatever races.
func (l *SQL) Finish(ctx context.Context, authID, resultJTI string) (first bool, err error) {
	if resultJTI == "" {
		return false, fmt.Errorf("ledger: finish %s: empty jti", authID)
	}
	var id string
	err = l.db.QueryRowContext(ctx, finishSQL, authID, resultJTI).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ledger: finish %s: %w", authID, err)
	}
	return true, nil
}

const lookupSQL = `SELECT gen, attempts, result_jti IS NOT NULL FROM edge_auth WHERE id = ?1`

// Lookup returns what the ledger knows about authID; an unknown id is the
// zero Entry, not an error.
func (l *SQL) Lookup(ctx context.Context, authID string) (Entry, error) {
	var e Entry
	var finished int
	err := l.db.QueryRowContext(ctx, lookupSQL, authID).Scan(&e.Gen, &e.Attempts, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, nil
	}
	if err != nil {
		return Entry{}, fmt.Errorf("ledger: lookup %s: %w", authID, err)
	}
	e.Finished = finished != 0
	return e, nil
}

const pruneSQL = `DELETE FROM edge_auth WHERE updated < ?1`

// Prune deletes entries untouched since before. Entries must outlive every
// token of their authentication (challenge tokens live 10 minutes), so
// callers prune with a margin of hours, not minutes.
func (l *SQL) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := l.db.ExecContext(ctx, pruneSQL, before.Unix())
	if err != nil {
		return 0, fmt.Errorf("ledger: prune: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("ledger: prune: %w", err)
	}
	return n, nil
}
