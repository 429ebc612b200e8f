package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/pgurl"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// postgres is PostgreSQL through pgx's database/sql driver.
//
// Transactions run SERIALIZABLE: SQLite's BEGIN IMMEDIATE makes every
// read-then-write transaction (count the sends, then insert one; read a
// failure counter, then write it back) run alone, and SERIALIZABLE is the
// PostgreSQL level that promises the same outcome as running alone. The
// price is that PostgreSQL may abort one of two overlapping transactions
// (40001) instead of making it wait; tx runs it again.
var postgres = dialect{
	name:       "postgres",
	migrations: "migrations/postgres",
	rebind:     rebindDollar,
	txOptions:  &sql.TxOptions{Isolation: sql.LevelSerializable},
	retryable:  pgRetryable,
	// Migrations run READ COMMITTED (so the version check after the lock
	// sees what the previous holder committed) under a transaction-level
	// advisory lock: two processes migrating at once take turns, as
	// SQLite's write lock makes them.
	migrationTx:   &sql.TxOptions{Isolation: sql.LevelReadCommitted},
	migrationLock: `SELECT pg_advisory_xact_lock(7351226044)`,
	writers:       4,
}

// IsPostgres reports whether dsn names a PostgreSQL database rather than a
// SQLite file: a postgres:// or postgresql:// URL.
func IsPostgres(dsn string) bool { return pgurl.Is(dsn) }

// openPostgres connects to the PostgreSQL database at the URL dsn (libpq
// URL syntax: postgres://user:pass@host:port/db?sslmode=...; a unix socket
// is host=/dir in the query).
func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	// database/sql keeps 2 idle connections by default: under load every
	// request past the second opened a new one (a TLS and auth round trip,
	// and a PostgreSQL backend forked) and closed it after. The pool keeps
	// as many idle as it may open, within what one issuer should take of
	// the server's max_connections (100 by default; replicas share it).
	db.SetMaxOpenConns(pgMaxConns)
	db.SetMaxIdleConns(pgMaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open postgres %s: %w", Redact(dsn), err)
	}
	return &Store{db: db, d: postgres}, nil
}

// pgMaxConns is the most connections one issuer process holds to
// PostgreSQL: a request waits for one rather than opening more.
const pgMaxConns = 20

// Redact returns dsn fit for logs and error messages (pgurl.Redact): a
// URL with its password hidden; a SQLite path as it is.
func Redact(dsn string) string { return pgurl.Redact(dsn) }

// rebindDollar numbers the ? placeholders of query as $1, $2, ... for
// PostgreSQL. A ? inside a 'string', a "quoted identifier" or a -- comment
// is text, not a placeholder. (PostgreSQL's own ? operators, for jsonb, are
// therefore unusable in the store's queries; none is needed.)
func rebindDollar(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch c {
		case '\'', '"':
			// Copy through the closing quote; a doubled quote is an escaped
			// one and simply closes and reopens.
			j := strings.IndexByte(query[i+1:], c)
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
		case '-':
			if i+1 < len(query) && query[i+1] == '-' {
				j := strings.IndexByte(query[i:], '\n')
				if j < 0 {
					b.WriteString(query[i:])
					return b.String()
				}
				b.WriteString(query[i : i+j+1])
				i += j
				continue
			}
			b.WriteByte(c)
		case '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// pgRetryable reports whether err aborted a transaction only for running
// alongside another: serialization failure or deadlock. Running it again
// is then correct and will, soon, succeed.
func pgRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// pgConstraint is isConstraint for PostgreSQL: class 23, integrity
// constraint violation (unique, check, foreign key, not null) — what
// SQLITE_CONSTRAINT covers.
func pgConstraint(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && strings.HasPrefix(pe.Code, "23")
}

// maxTxRuns bounds how often tx runs a transaction PostgreSQL keeps
// aborting for conflicts; the wait between runs grows to a few tens of ms.
const maxTxRuns = 40

// retryPause is the wait before run n+1 (n >= 1): short, growing, and
// jittered by the nanoseconds of the clock so that two transactions that
// just collided do not collide again in lockstep.
func retryPause(n int) time.Duration {
	base := time.Duration(min(n, 10)) * 2 * time.Millisecond
	return base + time.Duration(time.Now().UnixNano()%int64(base+time.Millisecond))
}
