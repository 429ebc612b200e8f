// Package postgres is the edge ledger in PostgreSQL (pgx), for native edges
// that share their counts: several edges on one database count one
// authentication's and one credential's wrong codes together, and share
// one report queue, which each claims rows of without the others
// (edge/report).
//
// The statements are edge/ledger's and edge/report's, written once in
// SQLite syntax for SQLite and D1. This package rewrites each as it is
// run (Rewrite), inside the database/sql driver, so every user of the
// database — the ledger, the reporter, `edge reports` — speaks one syntax.
// Each rule stays one statement (a batch where it spans tables, one
// transaction): the counting is done by the row locks of INSERT ... ON
// CONFLICT DO UPDATE ... WHERE and UPDATE ... WHERE, which PostgreSQL
// evaluates on the newest row version, so READ COMMITTED is enough and
// two edges never count past a limit (a test races two databases); a
// count first locks its credentials' rows (ledger.SQL.WithRowLocks), so
// that its check of a credential and its count of it agree.
//
// Only the native edge links this package: the Workers edge (D1) must not
// carry pgx (edge/deptest).
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/pgurl"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/honnin/honnin/edge/dbfault"
	"github.com/honnin/honnin/edge/ledger"
)

// IsURL reports whether dsn names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than a SQLite file.
func IsURL(dsn string) bool { return pgurl.Is(dsn) }

// Ledger is the PostgreSQL-backed ledger. Its DB also holds edge/report's
// queue; it takes the ledger's SQLite syntax (see the package doc).
type Ledger struct {
	*ledger.SQL
	db *sql.DB
}

// MaxConns is the most connections one edge holds to PostgreSQL: a
// request waits for one rather than opening more. Edges share the
// server's max_connections (100 by default) with the issuers.
const MaxConns = 16

// Open connects to the PostgreSQL database at the URL dsn (libpq URL
// syntax; a unix socket is host=/dir in the query) and brings its schema
// up to this package's newest migration.
func Open(ctx context.Context, dsn string) (*Ledger, error) {
	db, err := OpenDB(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return &Ledger{SQL: ledger.NewSQL(batcher{ledger.TxBatcher{DB: db}}).WithRowLocks(), db: db}, nil
}

// OpenDB connects to dsn with pool limits, through the rewriting driver:
// the statements it takes are in SQLite syntax.
func OpenDB(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err) // pgx does not echo the password
	}
	db := sql.OpenDB(connector{stdlib.GetConnector(*cfg)})
	// database/sql keeps 2 idle connections by default: under load every
	// request past the second would open a connection (a PostgreSQL
	// backend forked) and close it after (issue 17's churn).
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: open %s@%s/%s: %w", cfg.User, cfg.Host, cfg.Database, err)
	}
	return db, nil
}

// DB returns the underlying database, to share it with edge/report.
func (l *Ledger) DB() *sql.DB { return l.db }

// Close closes the database.
func (l *Ledger) Close() error { return l.db.Close() }

// batcher runs a batch again when PostgreSQL aborted it for a deadlock
// (two batches locking the same credentials in another order) or a
// serialization failure: the batch is one transaction, rolled back whole,
// so running it again is the same as running it once.
type batcher struct{ ledger.TxBatcher }

// maxRuns bounds how often a batch runs.
const maxRuns = 5

func (b batcher) Batch(ctx context.Context, stmts ...ledger.Stmt) ([][]ledger.Row, error) {
	for n := 1; ; n++ {
		res, err := b.TxBatcher.Batch(ctx, stmts...)
		var pe *pgconn.PgError
		if err != nil && dbfault.Unavailable(err) {
			return res, fmt.Errorf("%w: %w", ledger.ErrUnavailable, err)
		}
		if err == nil || n == maxRuns || !errors.As(err, &pe) || (pe.Code != "40P01" && pe.Code != "40001") {
			return res, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Duration(n) * time.Millisecond):
		}
	}
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the advisory lock two edges starting at once take
// turns on while migrating.
const migrationLock = 7351226045

// Migrate applies the migrations db lacks, each in one transaction with
// its row in edge_schema_migrations, under an advisory lock: two edges
// starting on one database migrate it once.
func Migrate(ctx context.Context, db *sql.DB) error {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS edge_schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		// Two edges creating it at once: one fails on the catalog's
		// unique index, and finds it made.
		if _, err2 := db.ExecContext(ctx, `SELECT 1 FROM edge_schema_migrations LIMIT 1`); err2 != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
	}
	var newest sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM edge_schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if newest.Valid && int(newest.Int64) > len(names) {
		return fmt.Errorf("postgres: migrate: database is at version %d, this edge knows %d: run a newer edge", newest.Int64, len(names))
	}
	for i, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, _ := strings.Cut(base, "_")
		if v, err := strconv.Atoi(num); err != nil || v != i+1 {
			return fmt.Errorf("postgres: migration %s: want %04d_name.sql", base, i+1)
		}
		body, err := fs.ReadFile(migrationFS, name)
		if err != nil {
			return err
		}
		if err := migrate(ctx, db, i+1, base, string(body)); err != nil {
			return fmt.Errorf("postgres: migrate %s: %w", base, err)
		}
	}
	return nil
}

func migrate(ctx context.Context, db *sql.DB, version int, name, body string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+strconv.Itoa(migrationLock)+`)`); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM edge_schema_migrations WHERE version = ?1`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	// The file goes to PostgreSQL as written (raw: not rewritten).
	if _, err := tx.ExecContext(ctx, raw+body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO edge_schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)`,
		version, name, time.Now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// raw starts a statement that the driver passes to PostgreSQL as it is:
// a migration, written in PostgreSQL's own syntax.
const raw = "-- honnin:postgres\n"

// connector is pgx's, with connections that rewrite each statement.
type connector struct{ driver.Connector }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	in, ok := cn.(pgxConn)
	if !ok {
		cn.Close()
		return nil, fmt.Errorf("postgres: pgx connection %T lacks a method the ledger needs", cn)
	}
	return conn{in}, nil
}

// pgxConn is what stdlib's connection provides and database/sql uses.
type pgxConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.NamedValueChecker
	driver.SessionResetter
}

// conn rewrites every statement it is given (Rewrite) but those marked
// raw.
type conn struct{ pgxConn }

func sqlFor(q string) (string, error) {
	if strings.HasPrefix(q, raw) {
		return q, nil
	}
	return Rewrite(q)
}

func (c conn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c conn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	q, err := sqlFor(q)
	if err != nil {
		return nil, err
	}
	return c.pgxConn.PrepareContext(ctx, q)
}

func (c conn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	q, err := sqlFor(q)
	if err != nil {
		return nil, err
	}
	return c.pgxConn.ExecContext(ctx, q, args)
}

func (c conn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	q, err := sqlFor(q)
	if err != nil {
		return nil, err
	}
	return c.pgxConn.QueryContext(ctx, q, args)
}
