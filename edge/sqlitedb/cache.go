package sqlitedb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
)

// connector makes the connections of one Open: each with its own
// statement cache, all behind one writer gate.
type connector struct {
	c    driver.Connector
	size int
	gate *gate
	sync *groupSync // nil: SQLite syncs each commit itself, if at all
}

func (k *connector) Connect(ctx context.Context) (driver.Conn, error) {
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
	return &conn{dc: dc, size: k.size, gate: k.gate, sync: k.sync, stmts: make(map[string]*stmt)}, nil
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

// conn is one connection and its statements. database/sql uses a
// connection from one goroutine at a time, so it needs no lock. It hides
// the driver's direct query path (it has no QueryContext or ExecContext),
// so database/sql prepares every statement through PrepareContext.
type conn struct {
	dc    driver.Conn
	size  int
	gate  *gate
	sync  *groupSync
	inTx  bool
	stmts map[string]*stmt
}

var errNoContext = errors.New("sqlitedb: the driver lacks a context method")

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext returns the connection's statement for query, prepared
// on first use. A statement already in use on the connection (the same
// query run again while the first one's rows are open, in one
// transaction) gets one of its own, closed after use.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		if !s.inUse {
			s.inUse = true
			return s, nil
		}
		ds, err := c.prepare(ctx, query)
		if err != nil {
			return nil, err
		}
		return &stmt{Stmt: ds, c: c, write: s.write, inUse: true}, nil
	}
	ds, err := c.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	if len(c.stmts) >= c.size {
		c.evict()
	}
	s := &stmt{Stmt: ds, c: c, write: writes(query), inUse: true, cached: true}
	c.stmts[query] = s
	return s, nil
}

func (c *conn) prepare(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.dc.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.dc.Prepare(query)
}

// evict closes one statement not in use (any: the cache is sized for the
// whole working set, so eviction is the rare case of an unusual query).
func (c *conn) evict() {
	for q, s := range c.stmts {
		if !s.inUse {
			s.Stmt.Close()
			delete(c.stmts, q)
			return
		}
	}
}

func (c *conn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.Stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.dc.Close())
	return errors.Join(errs...)
}

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx takes the writer's turn for the whole transaction: the
// processes open their SQLite transactions with BEGIN IMMEDIATE
// (_txlock=immediate), so every transaction is a writer.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.dc.(driver.ConnBeginTx)
	if !ok {
		return nil, errNoContext
	}
	if err := c.gate.enter(ctx); err != nil {
		return nil, err
	}
	t, err := b.BeginTx(ctx, opts)
	if err != nil {
		c.gate.leave()
		return nil, err
	}
	c.inTx = true
	return &tx{Tx: t, c: c, later: laterOf(ctx)}, nil
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.dc.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.dc.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.dc.(driver.Validator); ok {
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
		t.c.gate.leave()
	}
	return err
}

// Commit commits; with a group sync it returns once the commit is on disk,
// having given the writer's turn to the next writer first.
func (t *tx) Commit() error {
	err := t.Tx.Commit()
	var tk uint64
	if err == nil {
		tk = t.c.written()
	}
	if err := t.end(err); err != nil {
		return err
	}
	return t.c.durable(t.later, tk)
}

func (t *tx) Rollback() error { return t.end(t.Tx.Rollback()) }

// durable waits for ticket tk to be on disk, or leaves the wait to later
// (a write under SyncLater); 0 is no ticket.
func (c *conn) durable(later *Later, tk uint64) error {
	switch {
	case tk == 0:
		return nil
	case later != nil:
		later.note(c.sync, tk)
		return nil
	}
	return c.sync.wait(tk)
}

// written takes a group-sync ticket for a write that just ended in the
// writer's turn (0 without a group sync).
func (c *conn) written() uint64 {
	if c.sync == nil {
		return 0
	}
	return c.sync.ticket()
}

// stmt is a prepared statement. A cached one is only marked free when
// database/sql closes it. A writing statement run outside a transaction
// takes the writer's turn for its run (a query's: until its rows close).
type stmt struct {
	driver.Stmt
	c                    *conn
	write, inUse, cached bool
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
	if !s.write || s.c.inTx {
		return e.ExecContext(ctx, args)
	}
	if err := s.c.gate.enter(ctx); err != nil {
		return nil, err
	}
	res, err := e.ExecContext(ctx, args)
	var tk uint64
	if err == nil {
		tk = s.c.written()
	}
	s.c.gate.leave()
	if err != nil {
		return nil, err
	}
	if err := s.c.durable(laterOf(ctx), tk); err != nil {
		return nil, err
	}
	return res, nil
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, errNoContext
	}
	if !s.write || s.c.inTx {
		return q.QueryContext(ctx, args)
	}
	if err := s.c.gate.enter(ctx); err != nil {
		return nil, err
	}
	r, err := q.QueryContext(ctx, args)
	if err != nil {
		s.c.gate.leave()
		return nil, err
	}
	return &gatedRows{Rows: r, c: s.c, later: laterOf(ctx)}, nil
}

// gatedRows are the rows of a writing query (UPDATE … RETURNING) outside
// a transaction: the writer's turn ends when they are closed, and with a
// group sync Close returns once the write is on disk.
type gatedRows struct {
	driver.Rows
	c     *conn
	later *Later
	done  bool
}

func (r *gatedRows) Close() error {
	err := r.Rows.Close()
	if r.done {
		return err
	}
	r.done = true
	tk := r.c.written()
	r.c.gate.leave()
	return errors.Join(err, r.c.durable(r.later, tk))
}
