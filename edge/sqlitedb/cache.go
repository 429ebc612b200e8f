package sqlitedb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
)

// connector makes the connections of one Open: each with its own
// statement cache for reads, and behind them one writer connection, taken
// in turns (the gate), on which every write of the process runs.
//
// One writer connection, not each pool connection writing in its turn:
// SQLite discards a connection's whole page cache when it finds that
// another connection wrote since its last transaction. With every
// connection taking turns to write, each transaction found its cache
// stale and read its pages again: 13 % of the issuer's CPU per create +
// start went to finding, reading (pread, 11 %) and initialising pages.
// The writer only ever sees its own writes, so its cache stays warm; the
// reads outside transactions run on the pool's connections, side by
// side, as before.
type connector struct {
	c    driver.Connector
	size int
	gate *gate
	sync *groupSync // nil: SQLite syncs each commit itself, if at all
	// w is the writer connection, opened at the first write and only
	// used by the holder of the gate (which also guards the field).
	w *link
}

func (k *connector) Connect(ctx context.Context) (driver.Conn, error) {
	own, err := k.link(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{own: own, k: k}, nil
}

// link opens one SQLite connection with an empty statement cache.
func (k *connector) link(ctx context.Context) (*link, error) {
	dc, err := k.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if k.sync != nil {
		if err := inWAL(ctx, dc); err != nil {
			dc.Close()
			return nil, err
		}
	}
	return &link{dc: dc, size: k.size, stmts: make(map[string]*stmt)}, nil
}

// writer enters the gate and returns the writer connection, opening it
// if it is not yet (or no longer) open. The caller leaves the gate.
func (k *connector) writer(ctx context.Context) (*link, error) {
	if err := k.gate.enter(ctx); err != nil {
		return nil, err
	}
	if k.w == nil {
		w, err := k.link(ctx)
		if err != nil {
			k.gate.leave()
			return nil, err
		}
		k.w = w
	}
	return k.w, nil
}

// leave ends the holder's turn on the writer connection. A connection
// the driver no longer finds usable (a statement interrupted by its
// context's end: database/sql would drop such a pool connection) is
// closed first, and the next writer opens a new one.
func (k *connector) leave() {
	if v, ok := k.w.dc.(driver.Validator); ok && !v.IsValid() {
		k.w.close()
		k.w = nil
	}
	k.gate.leave()
}

// Close closes the writer connection; database/sql calls it from DB.Close,
// after the pool's connections.
func (k *connector) Close() error {
	if err := k.gate.enter(context.Background()); err != nil {
		return fmt.Errorf("sqlitedb: closing the writer connection: %w", err)
	}
	defer k.gate.leave()
	if k.w == nil {
		return nil
	}
	err := k.w.close()
	k.w = nil
	return err
}

// inWAL checks a new connection of a GroupSync database is in WAL mode:
// outside it there is no WAL to sync, and the group sync would make
// nothing durable, so the connection is refused rather than lose commits.
func inWAL(ctx context.Context, dc driver.Conn) error {
	q, ok := dc.(driver.QueryerContext)
	if !ok {
		return errNoContext
	}
	rows, err := q.QueryContext(ctx, "PRAGMA journal_mode", nil)
	if err != nil {
		return fmt.Errorf("sqlitedb: journal mode: %w", err)
	}
	defer rows.Close()
	v := make([]driver.Value, 1)
	if err := rows.Next(v); err != nil {
		return fmt.Errorf("sqlitedb: journal mode: %w", err)
	}
	var mode string
	switch m := v[0].(type) {
	case string:
		mode = m
	case []byte:
		mode = string(m)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlitedb: GroupSync needs journal_mode WAL, the database is in %q", mode)
	}
	return nil
}

func (k *connector) Driver() driver.Driver { return k.c.Driver() }

// conn is one connection of database/sql's pool: its own SQLite
// connection for reads, and the writer connection while it holds the gate
// (in a transaction). database/sql uses a connection from one goroutine
// at a time, so it needs no lock. It hides the driver's direct query path
// (it has no QueryContext or ExecContext), so database/sql prepares every
// statement through PrepareContext.
type conn struct {
	own  *link
	k    *connector
	inTx bool
}

var errNoContext = errors.New("sqlitedb: the driver lacks a context method")

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext returns the statement for query: in a transaction, the
// writer connection's; outside one, a writing statement's run waits for
// the writer's turn and runs on the writer connection (writeStmt), and a
// read is this connection's own.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	switch {
	case c.inTx:
		return c.k.w.stmt(ctx, query)
	case writes(query):
		return &writeStmt{k: c.k, query: query}, nil
	}
	return c.own.stmt(ctx, query)
}

func (c *conn) Close() error { return c.own.close() }

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx takes the writer's turn for the whole transaction, which runs
// on the writer connection: the processes open their SQLite transactions
// with BEGIN IMMEDIATE (_txlock=immediate), so every transaction is a
// writer.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	w, err := c.k.writer(ctx)
	if err != nil {
		return nil, err
	}
	b, ok := w.dc.(driver.ConnBeginTx)
	if !ok {
		c.k.leave()
		return nil, errNoContext
	}
	t, err := b.BeginTx(ctx, opts)
	if err != nil {
		c.k.leave()
		return nil, err
	}
	c.inTx = true
	return &tx{Tx: t, c: c, later: laterOf(ctx)}, nil
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.own.dc.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.own.dc.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.own.dc.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// tx gives the writer's turn back when it ends, once.
type tx struct {
	driver.Tx
	c     *conn
	later *Later // the sync waits for the Later (SyncLater)
}

func (t *tx) end(err error) error {
	if t.c.inTx {
		t.c.inTx = false
		t.c.k.leave()
	}
	return err
}

// Commit commits; with a group sync it returns once the commit is on disk,
// having given the writer's turn to the next writer first.
func (t *tx) Commit() error {
	err := t.Tx.Commit()
	var tk uint64
	if err == nil {
		tk = t.c.k.written()
	}
	if err := t.end(err); err != nil {
		return err
	}
	return t.c.k.durable(t.later, tk)
}

func (t *tx) Rollback() error { return t.end(t.Tx.Rollback()) }

// durable waits for ticket tk to be on disk, or leaves the wait to later
// (a write under SyncLater); 0 is no ticket.
func (k *connector) durable(later *Later, tk uint64) error {
	switch {
	case tk == 0:
		return nil
	case later != nil:
		later.note(k.sync, tk)
		return nil
	}
	return k.sync.wait(tk)
}

// written takes a group-sync ticket for a write that just ended in the
// writer's turn (0 without a group sync).
func (k *connector) written() uint64 {
	if k.sync == nil {
		return 0
	}
	return k.sync.ticket()
}

// link is one SQLite connection and its prepared statements: a pool
// connection's own, or the writer's.
type link struct {
	dc    driver.Conn
	size  int
	stmts map[string]*stmt
}

// stmt returns the connection's statement for query, prepared on first
// use. A statement already in use on the connection (the same query run
// again while the first one's rows are open, in one transaction) gets one
// of its own, closed after use.
func (l *link) stmt(ctx context.Context, query string) (*stmt, error) {
	if s, ok := l.stmts[query]; ok {
		if !s.inUse {
			s.inUse = true
			return s, nil
		}
		ds, err := l.prepare(ctx, query)
		if err != nil {
			return nil, err
		}
		return &stmt{Stmt: ds, inUse: true}, nil
	}
	ds, err := l.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	if len(l.stmts) >= l.size {
		l.evict()
	}
	s := &stmt{Stmt: ds, inUse: true, cached: true}
	l.stmts[query] = s
	return s, nil
}

func (l *link) prepare(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := l.dc.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return l.dc.Prepare(query)
}

// evict closes one statement not in use (any: the cache is sized for the
// whole working set, so eviction is the rare case of an unusual query).
func (l *link) evict() {
	for q, s := range l.stmts {
		if !s.inUse {
			s.Stmt.Close()
			delete(l.stmts, q)
			return
		}
	}
}

func (l *link) close() error {
	var errs []error
	for q, s := range l.stmts {
		errs = append(errs, s.Stmt.Close())
		delete(l.stmts, q)
	}
	errs = append(errs, l.dc.Close())
	return errors.Join(errs...)
}

// stmt is a prepared statement of one link. A cached one is only marked
// free when database/sql closes it.
type stmt struct {
	driver.Stmt
	inUse, cached bool
}

func (s *stmt) Close() error {
	if s.cached {
		s.inUse = false
		return nil
	}
	return s.Stmt.Close()
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.Stmt.(driver.StmtExecContext)
	if !ok {
		return nil, errNoContext
	}
	return e.ExecContext(ctx, args)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, errNoContext
	}
	return q.QueryContext(ctx, args)
}

// writeStmt is a writing statement run outside a transaction: each run
// takes the writer's turn and runs on the writer connection (a query's
// turn lasts until its rows close). It is prepared there, in the turn,
// so it cannot say its number of arguments beforehand: NumInput is -1,
// as the modernc driver's own statements always say. database/sql never
// counted SQLite's arguments; the driver refuses too few and ignores
// extra ones.
type writeStmt struct {
	k     *connector
	query string
}

func (s *writeStmt) Close() error  { return nil }
func (s *writeStmt) NumInput() int { return -1 }

func (s *writeStmt) Exec(args []driver.Value) (driver.Result, error) {
	return nil, errNoContext // database/sql calls ExecContext
}

func (s *writeStmt) Query(args []driver.Value) (driver.Rows, error) {
	return nil, errNoContext // database/sql calls QueryContext
}

func (s *writeStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	w, err := s.k.writer(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.exec(ctx, w, args)
	var tk uint64
	if err == nil {
		tk = s.k.written()
	}
	s.k.leave()
	if err != nil {
		return nil, err
	}
	if err := s.k.durable(laterOf(ctx), tk); err != nil {
		return nil, err
	}
	return res, nil
}

func (s *writeStmt) exec(ctx context.Context, w *link, args []driver.NamedValue) (driver.Result, error) {
	st, err := w.stmt(ctx, s.query)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.ExecContext(ctx, args)
}

func (s *writeStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	w, err := s.k.writer(ctx)
	if err != nil {
		return nil, err
	}
	st, err := w.stmt(ctx, s.query)
	if err != nil {
		s.k.leave()
		return nil, err
	}
	r, err := st.QueryContext(ctx, args)
	if err != nil {
		st.Close()
		s.k.leave()
		return nil, err
	}
	return &gatedRows{Rows: r, st: st, k: s.k, later: laterOf(ctx)}, nil
}

// gatedRows are the rows of a writing query (UPDATE … RETURNING) outside
// a transaction: the writer's turn ends when they are closed, and with a
// group sync Close returns once the write is on disk.
type gatedRows struct {
	driver.Rows
	st    *stmt
	k     *connector
	later *Later
	done  bool
}

func (r *gatedRows) Close() error {
	err := r.Rows.Close()
	if r.done {
		return err
	}
	r.done = true
	r.st.Close()
	tk := r.k.written()
	r.k.leave()
	return errors.Join(err, r.k.durable(r.later, tk))
}
