package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/honnin/honnin/edge/health"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/metrics"
	"github.com/honnin/honnin/edge/report"
)

// admin is the native edge's admin listener (-admin-addr): /healthz and
// /readyz (the ledger's database takes a read and a write; the keys in
// use sign, open seals and verify the issuer's tokens), /metrics
// (edge/metrics) and, with -pprof, the profiles. The metrics exist only
// when it is on: an edge without it times nothing.
type admin struct {
	m       *metrics.Edge
	reports *report.Reporter // set once the server is assembled
}

// newAdmin returns the admin of an edge started at start, or nil when
// addr is "" (no listener; every method of a nil *admin is a no-op).
func newAdmin(addr string, start time.Time) *admin {
	if addr == "" {
		return nil
	}
	a := &admin{}
	a.m = metrics.New(metrics.Config{Start: start, Backlog: func(ctx context.Context) (report.Backlog, error) {
		if a.reports == nil {
			return report.Backlog{}, fmt.Errorf("edge: not started")
		}
		return a.reports.Backlog(ctx)
	}})
	return a
}

// batcher is b, timed when the admin listener is on.
func (a *admin) batcher(b ledger.Batcher) ledger.Batcher {
	if a == nil {
		return b
	}
	return a.m.Batcher(b)
}

// onRequest is server.Config.OnRequest: nil without the listener.
func (a *admin) onRequest() func(string, int, time.Duration) {
	if a == nil {
		return nil
	}
	return a.m.Request
}

// serve starts the listener; stop drains it.
func (a *admin) serve(addr string, pprof bool, db *sql.DB, reports *report.Reporter, keys health.Check, log *slog.Logger) (stop func(), err error) {
	if a == nil {
		return func() {}, nil
	}
	stop, bound, err := a.listen(addr, pprof, db, reports, keys, log)
	if err != nil {
		return nil, err
	}
	log.Info("edge: admin listening", "addr", "http://"+bound, "pprof", pprof)
	return stop, nil
}

// listen serves the admin handler on addr and returns the address bound.
// keys is the "keys" check (health.EdgeKeys).
func (a *admin) listen(addr string, pprof bool, db *sql.DB, reports *report.Reporter, keys health.Check, log *slog.Logger) (stop func(), bound string, err error) {
	a.reports = reports
	checks := []health.Check{{Name: "ledger", Run: func(ctx context.Context) error { return ledgerReady(ctx, db) }}, keys}
	return health.Serve(addr, health.Admin(checks, a.m.Handler(), pprof), log)
}

// ledgerReady reports whether the ledger's database serves the edge: it
// answers a read and takes a write (an update of no row, in a write
// transaction of its own), so a database that turned read-only — a full
// disk, a file mode — is not ready, where every verify would fail.
func ledgerReady(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM edge_report WHERE dead = 2`).Scan(&n); err != nil {
		return fmt.Errorf("ledger: not ready: read: %w", err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE edge_report SET tries = tries WHERE dead = 2`); err != nil {
		return fmt.Errorf("ledger: not ready: write: %w", err)
	}
	return nil
}
