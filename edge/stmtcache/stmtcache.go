// Package stmtcache keeps each database connection's prepared statements,
// so a statement the process runs again and again is parsed and planned
// once per connection instead of at every call.
//
// database/sql prepares nothing on its own: with a driver that runs a
// query string directly (driver.QueryerContext, as modernc.org/sqlite
// does), every QueryContext and ExecContext parses the SQL again. For the
// issuer's and the edge's short statements that parse was a fifth of the
// CPU of a start (measured with BenchmarkCreateAndStart's profile). The
// statements are a fixed set written in the code, so a small cache per
// connection holds all of them.
//
// Wrap a driver.Connector with New and open it with sql.OpenDB. The
// wrapped connection hides the driver's direct query path, so database/sql
// prepares every statement through the cache; a statement closed by
// database/sql stays prepared for the next call. A statement already in
// use on the connection (a second query with the same text while the
// first one's rows are open, in one transaction) gets a statement of its
// own, closed after use.
package stmtcache

import (
	"context"
	"database/sql/driver"
	"errors"
)

// New returns c with a cache of up to size statements per connection.
func New(c driver.Connector, size int) driver.Connector {
	if size < 1 {
		size = 1
	}
	return &connector{c: c, size: size}
}

type connector struct {
	c    driver.Connector
	size int
}

func (k *connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := k.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{dc: dc, size: k.size, stmts: make(map[string]*stmt)}, nil
}

func (k *connector) Driver() driver.Driver { return k.c.Driver() }

// conn is one connection and its statements. database/sql uses a
// connection from one goroutine at a time, so the map needs no lock.
type conn struct {
	dc    driver.Conn
	size  int
	stmts map[string]*stmt
}

var errNoContext = errors.New("stmtcache: the driver's connection lacks a context method")

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		if !s.inUse {
			s.inUse = true
			return s, nil
		}
		// The cached one is busy (its rows are still open): a statement
		// of its own, closed by its caller.
		return c.prepare(ctx, query)
	}
	ds, err := c.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	if len(c.stmts) >= c.size {
		c.evict()
	}
	s := &stmt{Stmt: ds, inUse: true, cached: true}
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

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.dc.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return nil, errNoContext
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

// stmt is a prepared statement; a cached one is only marked free when
// database/sql closes it.
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
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return nil, errNoContext
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return nil, errNoContext
}
