// Package ledger keeps the edge's state per authentication (wrong attempts,
// the newest resend generation, whether a result was already given) and per
// TOTP credential (the newest step accepted, so no code is accepted twice).
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

// Migrate creates the ledger's tables if they do not exist.
func (l *SQL) Migrate(ctx context.Context) error {
	if _, err := l.db.ExecContext(ctx, Schema); err != nil {
		return fmt.Errorf("ledger: migrate: %w", err)
	}
	return nil
}

// attemptSQL counts a try only while the authentication has no result, no
// newer generation was recorded and fewer than max tries were counted: the
// three checks a code needs before it is judged, in the statement that
// counts it, so a verify costs one round trip to the database (D1 bills, and
// locally burns, milliseconds per statement) and no race between reading the
// state and counting can let a try through.
const attemptSQL = `INSERT INTO edge_auth (id, attempts) VALUES (?1, 1)
ON CONFLICT (id) DO UPDATE SET attempts = edge_auth.attempts + 1, updated = unixepoch()
WHERE edge_auth.attempts < ?2 AND edge_auth.result_jti IS NULL AND edge_auth.gen <= ?3
RETURNING attempts`

// Why Attempt refused to count, besides the limit.
var (
	// ErrFinished: the authentication already has its result.
	ErrFinished = errors.New("ledger: authentication already finished")
	// ErrSuperseded: a newer generation (a resend) was recorded.
	ErrSuperseded = errors.New("ledger: generation superseded")
)

// Attempt records one try of a code of generation gen for authID unless
// authID already has its result (ErrFinished), a generation newer than gen
// was recorded (ErrSuperseded), or max tries were already recorded. used is
// the count after the call; ok is false (and nothing is recorded) when the
// count had already reached max. Only a refusal costs a second statement,
// a read that says which of the three it was.
func (l *SQL) Attempt(ctx context.Context, authID string, gen, max int) (used int, ok bool, err error) {
	if max < 1 {
		return 0, false, fmt.Errorf("ledger: attempt %s: max %d < 1", authID, max)
	}
	err = l.db.QueryRowContext(ctx, attemptSQL, authID, max, gen).Scan(&used)
	if errors.Is(err, sql.ErrNoRows) {
		e, lerr := l.Lookup(ctx, authID)
		switch {
		case lerr != nil:
			return 0, false, fmt.Errorf("ledger: attempt %s: %w", authID, lerr)
		case e.Finished:
			return e.Attempts, false, ErrFinished
		case gen < e.Gen:
			return e.Attempts, false, ErrSuperseded
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

const useStepSQL = `INSERT INTO edge_cred (cred, last_step) VALUES (?1, ?2)
ON CONFLICT (cred) DO UPDATE SET last_step = excluded.last_step, updated = unixepoch()
WHERE excluded.last_step > edge_cred.last_step
RETURNING last_step`

// UseStep records step as the newest TOTP step accepted for cred. ok is
// false (nothing changed) when a step at or after it is already recorded:
// that code, or an older one of the same credential, was already used, and
// RFC 6238 §5.2 forbids accepting it again. Recording only the newest step
// (not every used step) is enough because the edge accepts a step only
// within one of now, and is what lets one row per credential do.
func (l *SQL) UseStep(ctx context.Context, cred string, step int64) (ok bool, err error) {
	if cred == "" || step < 1 {
		return false, fmt.Errorf("ledger: use step %d of %q: not a TOTP step of a credential", step, cred)
	}
	var got int64
	err = l.db.QueryRowContext(ctx, useStepSQL, cred, step).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ledger: use step %d of %s: %w", step, cred, err)
	}
	return true, nil
}

// pruneSQL lists one statement per table: D1 has no transactions, and none
// is needed, since each delete stands on its own.
var pruneSQL = []string{
	`DELETE FROM edge_auth WHERE updated < ?1`,
	`DELETE FROM edge_cred WHERE updated < ?1`,
}

// Prune deletes entries untouched since before and returns how many.
// Authentication entries must outlive every token of their authentication
// (challenge tokens live 10 minutes); a credential's step must outlive the
// window its codes are accepted in (a minute or two). Callers prune with a
// margin of hours, not minutes.
func (l *SQL) Prune(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for _, q := range pruneSQL {
		res, err := l.db.ExecContext(ctx, q, before.Unix())
		if err != nil {
			return total, fmt.Errorf("ledger: prune: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("ledger: prune: %w", err)
		}
		total += n
	}
	return total, nil
}
