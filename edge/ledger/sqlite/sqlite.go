// Package sqlite is the edge ledger in a local SQLite file (modernc.org/sqlite,
// pure Go), for the native edge. The statements are edge/ledger's, shared with
// the D1 ledger the Workers edge uses.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/honnin/honnin/edge/dbfault"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/migrations"
	"github.com/honnin/honnin/edge/secretfile"
	"github.com/honnin/honnin/edge/sqlitedb"
)

// Ledger is the SQLite-backed ledger. Its DB is also where edge/report keeps
// its queue, so one file holds all the edge's state, and one transaction
// can change both.
type Ledger struct {
	*ledger.SQL
	db    *sql.DB
	group *group
}

// writeWait bounds a writer's wait for its turn: the busy timeout's
// order.
const writeWait = 10 * time.Second

// Open opens (creating if needed) the SQLite file at path and brings its
// schema up to edge/migrations' newest, the same files D1 gets.
func Open(ctx context.Context, path string) (*Ledger, error) {
	db, err := OpenDB(path)
	if err != nil {
		return nil, err
	}
	if err := migrations.Apply(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	g := newGroup(db)
	return &Ledger{SQL: ledger.NewSQL(batcher{g}), db: db, group: g}, nil
}

// batcher marks the errors of a database that cannot serve now
// (dbfault.Unavailable), and a batch sent after the ledger closed (a
// request still running at shutdown), as ledger.ErrUnavailable: nothing
// was recorded, and the API answers 503.
type batcher struct{ b ledger.Batcher }

func (b batcher) Batch(ctx context.Context, stmts ...ledger.Stmt) ([][]ledger.Row, error) {
	res, err := b.b.Batch(ctx, stmts...)
	if err != nil && (dbfault.Unavailable(err) || errors.Is(err, ErrClosed)) {
		err = fmt.Errorf("%w: %w", ledger.ErrUnavailable, err)
	}
	return res, err
}

// OpenDB opens the SQLite file at path the way the edge needs it: WAL, so
// readers never block the writer; busy_timeout, so concurrent writers queue
// instead of failing with SQLITE_BUSY; synchronous NORMAL, which in WAL mode
// loses no committed transaction on a process crash (only on power loss).
// The pragmas go in the DSN so every pooled connection gets them.
//
// The file and its -wal and -shm companions are mode 0600 (the edge's
// ledger and report queue are no one else's to read): a missing file is
// created so before SQLite opens it, and an existing one open to group or
// others is refused with the chmod that fixes it (see edge/secretfile).
func OpenDB(path string) (*sql.DB, error) {
	if err := secretfile.SQLite(path); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	// _txlock=immediate: a transaction takes the write lock at BEGIN, so
	// it never fails mid-way on a lock upgrade (the ledger's batches are
	// transactions that read and write).
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	// sqlitedb: prepared statements kept per connection, and the edge's
	// writers take turns in the process rather than in SQLite's sleeping
	// busy handler.
	db, err := sqlitedb.Open(dsn, sqlitedb.Options{WriteWait: writeWait})
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// DB returns the underlying database, to share the file with edge/report.
func (l *Ledger) DB() *sql.DB { return l.db }

// Close stops the ledger's writer and closes the database.
func (l *Ledger) Close() error {
	l.group.Close()
	return l.db.Close()
}
