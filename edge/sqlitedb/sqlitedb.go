// Package sqlitedb opens the SQLite databases of honnin's native processes
// (the issuer's store, the edge's ledger) the one way both need, measured
// under load:
//
//   - Each connection keeps its prepared statements (cache.go).
//     database/sql prepares nothing on its own: with a driver that runs a
//     query string directly (modernc.org/sqlite does), every call parses
//     and plans the SQL again — a fifth of the CPU of an issuer start in
//     BenchmarkCreateAndStart's profile. The statements are a fixed set
//     written in the code, so a small cache per connection holds them all.
//   - Writers take turns in the process (gate.go). SQLite has one writer
//     per file; a second one waits in SQLite's busy handler, which sleeps
//     1, 2, 5 … 100 ms between tries, so under 64 concurrent requests a
//     write could wait a second and more, and run out its busy timeout
//     (the 500s the load test saw). Here a writer waits in a FIFO queue
//     of the process instead and starts the moment the previous one ends;
//     the busy handler is left for other processes on the same file (an
//     operator's command).
//   - Every write runs on one connection, the writer's (cache.go). SQLite
//     throws a connection's whole page cache away when another connection
//     wrote since its last transaction; with each pool connection writing
//     in its turn, nearly every transaction read its pages again through
//     pread: 13-15 % of the issuer's CPU in a create + start's profile
//     went to finding, reading and initialising pages, 5-6 % now. The
//     writer sees only its own writes, so its cache stays warm: 6-10 %
//     less issuer CPU per create + start (e2e/BENCHMARKS.md). Reads
//     outside a transaction still run side by side on the pool's
//     connections.
//   - With Options.GroupSync, commits are made durable in groups
//     (groupsync.go): the database runs synchronous=NORMAL, and a write
//     returns after one fdatasync of the WAL that began after its commit. Under
//     synchronous=FULL each commit held the writer's turn through its own
//     fsync: the fsyncs, one at a time, were the issuer's ceiling. With
//     the same durability for every answer, GroupSync took the load
//     driver's create + start at 16 clients from 318 to 385-398/s and
//     merchant create from 1,828 to 2,784-3,018/s (e2e/BENCHMARKS.md).
//   - Connections are bounded (Options.Conns) and stay open between
//     bursts (Options.Idle), so a burst waits in the pool instead of
//     opening files, and statements stay prepared.
//
// The caller's DSN keeps its pragmas (journal mode, busy_timeout,
// _txlock): this package adds no SQL of its own, but synchronous=NORMAL
// with GroupSync.
package sqlitedb

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
)

// Options tune Open; the zero Options are the defaults.
type Options struct {
	// Statements is how many prepared statements each connection keeps
	// (default 256: more than either process has).
	Statements int
	// Conns bounds the pool's connections (default 32; the writer's is
	// one more). Unbounded, a burst of requests each opened a connection
	// (three file descriptors) and queued it at the writer's turn: under
	// load the issuer ran out of file descriptors ("too many open files")
	// and writers out of time.
	// Bounded, a request waits for a connection in database/sql's pool,
	// holding nothing. A transaction must therefore do its reads in the
	// transaction, never on a second connection (the stores do).
	Conns int
	// Idle is how many connections stay open between bursts (default 16,
	// at most Conns).
	Idle int
	// WriteWait bounds a writer's wait for its turn (default 5 s, the
	// busy timeout's order): after it the write fails with ErrBusy rather
	// than queue for ever behind a stuck writer.
	WriteWait time.Duration
	// GroupSync, the database file's path, makes every write durable
	// before it returns by fsyncs of its WAL shared between the writers
	// that end while one runs (groupsync.go), instead of SQLite's fsync
	// per commit. Open then sets synchronous=NORMAL on each connection;
	// the DSN must not set synchronous itself. The database must be in
	// WAL mode. Empty: SQLite's own synchronous setting rules.
	GroupSync string
}

// Open opens the SQLite database dsn names (a modernc.org/sqlite DSN) with
// the statement cache and the writer queue.
func Open(dsn string, o Options) (*sql.DB, error) {
	db, _, err := openSync(dsn, o)
	return db, err
}

// openSync is Open, also returning the group sync (nil without one) for tests
// to hold.
func openSync(dsn string, o Options) (*sql.DB, *groupSync, error) {
	if o.Statements <= 0 {
		o.Statements = 256
	}
	if o.Conns <= 0 {
		o.Conns = 32
	}
	if o.Idle <= 0 {
		o.Idle = 16
	}
	o.Idle = min(o.Idle, o.Conns)
	if o.WriteWait <= 0 {
		o.WriteWait = 5 * time.Second
	}
	var gs *groupSync
	if o.GroupSync != "" {
		if strings.Contains(strings.ToLower(dsn), "synchronous") {
			return nil, nil, errors.New("sqlitedb: GroupSync sets synchronous itself; the DSN must not")
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + "_pragma=synchronous(NORMAL)"
		gs = newGroupSync(o.GroupSync)
	}
	c, err := msqlite.NewConnector(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlitedb: %w", err)
	}
	db := sql.OpenDB(&connector{c: c, size: o.Statements, gate: newGate(o.WriteWait), sync: gs})
	db.SetMaxOpenConns(o.Conns)
	db.SetMaxIdleConns(o.Idle)
	return db, gs, nil
}
