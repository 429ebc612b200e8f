package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	msqlite "modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/honnin/honnin/edge/secretfile"
	"github.com/honnin/honnin/edge/sqlitedb"
)

// Errors callers branch on; the store wraps them with context.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict means the row exists but is not in a state that allows the
	// change: a final authentication, an older gen, a duplicate key.
	ErrConflict = errors.New("conflict")
	// ErrFinal and ErrSuperseded are the two ErrConflicts of a challenge:
	// the authentication has its outcome, or the caller's gen is not the
	// newest. errors.Is(err, ErrConflict) holds for both.
	ErrFinal      = fmt.Errorf("authentication is final: %w", ErrConflict)
	ErrSuperseded = fmt.Errorf("gen is not the newest: %w", ErrConflict)
	// ErrCooldown is matched by a *CooldownError.
	ErrCooldown = errors.New("resend cooldown")
)

// changedRow is the outcome of an exec that must change a row: its error,
// or ErrNotFound when it changed none. It takes the exec's two results:
//
//	err := changedRow(tx.ExecContext(ctx, query, args...))
func changedRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// CooldownError is returned by Resend while the previous code is too recent.
type CooldownError struct {
	// RetryAt is the earliest time a resend will be accepted.
	RetryAt time.Time
}

func (e *CooldownError) Error() string {
	return "store: resend cooldown until " + e.RetryAt.UTC().Format(time.RFC3339)
}

// Is makes errors.Is(err, ErrCooldown) true.
func (e *CooldownError) Is(target error) bool { return target == ErrCooldown }

// Store is the issuer database. It is safe for concurrent use.
type Store struct {
	db *sql.DB
	d  dialect
	// path is the SQLite file ("" on PostgreSQL): Ready looks at the room
	// left on its disk.
	path string
	// onRetry, when set (OnRetry), is called each time tx runs a
	// transaction again after a conflict.
	onRetry func()
}

// OnRetry makes f be called each time a transaction is run again because
// the database aborted it for a conflict with a concurrent one
// (PostgreSQL's serialization failures and deadlocks; never on SQLite,
// whose writers take turns): the issuer's metrics count them, the work a
// busy PostgreSQL throws away. Set it before the store is used.
func (s *Store) OnRetry(f func()) { s.onRetry = f }

// dialect is what differs between database engines: SQLite here,
// PostgreSQL in postgres.go. The queries are shared.
type dialect struct {
	name string
	// migrations is the directory under migrations/ holding NNNN_name.sql.
	migrations string
	// rebind rewrites a query written with ? placeholders; nil keeps it.
	rebind func(string) string
	// txOptions are those of the store's transactions; nil: the driver's
	// default (SQLite's BEGIN IMMEDIATE, set on the connection).
	txOptions *sql.TxOptions
	// retryable reports an error after which the whole transaction is to
	// run again (PostgreSQL's serialization failures); nil: never.
	retryable func(error) bool
	// migrationTx are the options of a migration's transaction, and
	// migrationLock a statement run first in it that makes concurrent
	// migrations take turns ("" when the transaction does so by itself).
	migrationTx   *sql.TxOptions
	migrationLock string
	// foreignKeysOff: migrations may carry the foreign-keys-off marker
	// (SQLite table rebuilds).
	foreignKeysOff bool
	// writers is how many independent writes are worth running at once
	// (Writers).
	writers int
}

var sqlite = dialect{name: "sqlite", migrations: "migrations/sqlite", foreignKeysOff: true, writers: 1}

// q returns query in the dialect's placeholder style.
func (s *Store) q(query string) string {
	if s.d.rebind == nil {
		return query
	}
	return s.d.rebind(query)
}

// busyTimeout is how long a writer waits for another writer's lock. Writes
// are single statements or short transactions, so seconds are plenty.
const busyTimeout = 5 * time.Second

// Open opens the database dsn names: a postgres:// or postgresql:// URL is
// a PostgreSQL database (which must exist), anything else the path of a
// SQLite file (created if needed). It does not migrate: call Migrate.
//
// The SQLite connection settings: WAL so readers never wait for the
// writer, every write on disk before it returns (sqlitedb's group sync:
// FULL's durability at one fsync per group of commits), busy_timeout so
// concurrent writers queue instead of failing,
// foreign keys on, and BEGIN IMMEDIATE for transactions so a transaction
// that reads and then writes takes the write lock first and cannot
// deadlock on upgrade. PostgreSQL's are in postgres.go.
//
// The SQLite file and its -wal and -shm companions are mode 0600 whatever
// the umask: a missing file is created so before SQLite opens it (SQLite
// gives the companions the database's mode), and an existing one open to
// group or others is refused with the chmod that fixes it, not tightened
// behind the operator's back (edge/secretfile).
func Open(ctx context.Context, path string) (*Store, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path)
	}
	if path == "" {
		return nil, errors.New("store: open: empty path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: open %q: path may not contain ? or #", path)
	}
	if err := secretfile.SQLite(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	dsn := fmt.Sprintf("%s?_busy_timeout=%d&_foreign_keys=1&_journal_mode=WAL&_txlock=immediate",
		path, busyTimeout.Milliseconds())
	// sqlitedb: each connection keeps its prepared statements, the
	// issuer's writers take turns in a queue of the process instead of
	// SQLite's sleeping busy handler (which answered 500s at 64 clients),
	// and every write returns once it is on disk, by fsyncs shared between
	// the writers that end together (GroupSync).
	db, err := sqlitedb.Open(dsn, sqlitedb.Options{WriteWait: busyTimeout, GroupSync: path})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := pingFresh(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &Store{db: db, d: sqlite, path: path}, nil
}

// pingFresh opens the first connection. Switching a new database to WAL
// takes an exclusive lock for which SQLite does not call the busy handler,
// so two processes creating the same file at once can see SQLITE_BUSY
// here: retry that alone, for up to busyTimeout.
func pingFresh(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := db.PingContext(ctx)
		var se *msqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Synced returns once the writes made so far under a context of SyncLater
// are on disk (at once for any other context: its writes waited each).
func (s *Store) Synced(ctx context.Context) error {
	if err := sqlitedb.Synced(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// SyncLater returns ctx under which the store's writes return without
// waiting to be on disk, and wait, which returns once all of them are
// (or with the failed sync's error). A caller that makes many writes in
// turn and answers once calls wait before it answers: the writes then
// share their syncs (sqlitedb.SyncLater). On PostgreSQL a commit is
// durable when it returns, and wait has nothing to do.
func (s *Store) SyncLater(ctx context.Context) (context.Context, func() error) {
	ctx, later := sqlitedb.SyncLater(ctx)
	return ctx, func() error {
		if err := later.Wait(); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		return nil
	}
}

// Writers is how many independent writes (of different authentications)
// a caller with many to make gains by running at once: 1 on SQLite, whose
// writers take turns in the process (sqlitedb), where running outcome
// reports four at a time measured no faster; 4 on PostgreSQL, where each
// write waits for its round trips to the server and one after another
// left the cores idle (e2e/BENCHMARKS.md).
func (s *Store) Writers() int { return s.d.writers }

// Ping checks the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// tx runs fn in a transaction, committing if it returns nil. On
// PostgreSQL a transaction aborted for a conflict with a concurrent one is
// run again from the start, so fn must be safe to run more than once: it
// sets its results (x = ...) rather than accumulating them, or resets them
// first.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	for run := 1; ; run++ {
		err := runTx(ctx, s.db, s.d.txOptions, "", fn)
		if err == nil || s.d.retryable == nil || !s.d.retryable(err) || run == maxTxRuns {
			return err
		}
		if s.onRetry != nil {
			s.onRetry()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (after %d conflicting runs: %v)", ctx.Err(), run, err)
		case <-time.After(retryPause(run)):
		}
	}
}

// beginner is what *sql.DB and *sql.Conn offer to start a transaction.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// runTx runs fn once in a transaction begun on db with opts, after the
// statement first when it is not "".
func runTx(ctx context.Context, db beginner, opts *sql.TxOptions, first string, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if first != "" {
		if _, err := tx.ExecContext(ctx, first); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// ms is how times are stored: Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// nullMS stores the zero time as NULL.
func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(t), Valid: true}
}

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// isConstraint reports whether err is the database refusing a row for a
// constraint (unique, check, foreign key, not null): the caller's data,
// not the database, is at fault.
func isConstraint(err error) bool {
	var se *msqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
	}
	return pgConstraint(err)
}

// Ready reports whether the database serves the issuer: it answers a read
// and takes a write (a statement that changes no row, in a write
// transaction of its own), so a database that turned read-only — a full
// disk, a file mode, a PostgreSQL standby or default_transaction_read_only
// — is not ready, where every request that writes would fail.
func (s *Store) Ready(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("store: not ready: read: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE schema_migrations SET version = version WHERE version < 0`); err != nil {
		return fmt.Errorf("store: not ready: write: %w", err)
	}
	if s.path != "" {
		// The write above changes no row, so it passes on a full disk
		// (measured: readyz said ready while every create failed
		// SQLITE_FULL). SQLite's file is local: ask its disk.
		dir := filepath.Dir(s.path)
		free, err := diskFree(dir)
		if err != nil {
			return fmt.Errorf("store: not ready: room on %s: %w", dir, err)
		}
		if free < MinFree {
			return fmt.Errorf("store: not ready: disk full: %d bytes free on %s, under %d", free, dir, MinFree)
		}
	}
	return nil
}

// MinFree is the room Ready wants left on an SQLite database's disk: below
// it a burst of writes (a start writes a few pages, the write-ahead log
// grows until a checkpoint) fails with SQLITE_FULL.
const MinFree = 1 << 20

// diskFree is the bytes an unprivileged writer may still use on dir's
// file system (a variable: the tests fill a disk without one).
var diskFree = func(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
