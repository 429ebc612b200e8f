package sqlitedb

import (
	"context"
	"database/sql/driver"
	"errors"
)

// connector makes the connections of one Open: each with its own
// statement cache, all behind one writer gate.
type connector struct {
	c    driver.Connector
	size int
	gate *gate
}

func (k *connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := k.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{dc: dc, size: k.size, gate: k.gate, stmts: make(map[string]*stmt)}, nil
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
	return &tx{Tx: t, c: c}, nil
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
	c *conn
}

func (t *tx) end(err error) error {
	if t.c.inTx {
		t.c.inTx = false
		t.c.gate.leave()
	}
	return err
}

func (t *tx) Commit() error   { return t.end(t.Tx.Commit()) }
func (t *tx) Rollback() error { return t.end(t.Tx.Rollback()) }

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
	defer s.c.gate.leave()
	return e.ExecContext(ctx, args)
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
	return &gatedRows{Rows: r, g: s.c.gate}, nil
}

// gatedRows are the rows of a writing query (UPDATE … RETURNING) outside
// a transaction: the writer's turn ends when they are closed.
type gatedRows struct {
	driver.Rows
	g    *gate
	done bool
}

func (r *gatedRows) Close() error {
	err := r.Rows.Close()
	if !r.done {
		r.done = true
		r.g.leave()
	}
	return err
}
