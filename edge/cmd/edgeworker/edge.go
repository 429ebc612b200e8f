package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/honnin/honnin/edge/assets"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/report"
	"github.com/honnin/honnin/edge/requestid"
	"github.com/honnin/honnin/edge/server"
	"github.com/honnin/honnin/edge/worker"
	"github.com/honnin/honnin/web"
)

// Set by the Makefile (-ldflags -X) from web/dist/manifest.json: the
// challenge page names the built client, which Workers serves as static
// assets.
var clientWasm, clientWasmExec string

// edge is the wired edge of one instance, built on first use.
type edge struct {
	openDB func() (*sql.DB, error)
	batch  ledger.Batcher
	log    *slog.Logger

	mu      sync.Mutex
	handler http.Handler
	reports *report.Reporter
	ledger  *ledger.SQL
}

// get builds the edge on first use. A failure is not kept: the next request
// tries again (a secret may have been added meanwhile). The lock is never
// held across I/O, so it cannot hold one request hostage to another.
func (e *edge) get() (http.Handler, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.handler != nil {
		return e.handler, nil
	}
	keys, err := challenge.ParseEdgeKeys([]byte(worker.Env("HONNIN_EDGE_SIGN_JWK")), []byte(worker.Env("HONNIN_EDGE_SEAL_JWK")), []byte(worker.Env("HONNIN_ISSUER_JWKS")))
	if err != nil {
		return nil, fmt.Errorf("keys (secrets HONNIN_EDGE_SIGN_JWK, HONNIN_EDGE_SEAL_JWK, HONNIN_ISSUER_JWKS): %w", err)
	}
	issuer := worker.Env("HONNIN_ISSUER_URL")
	if issuer == "" {
		return nil, fmt.Errorf("HONNIN_ISSUER_URL is not set")
	}
	now, err := clock(worker.Env("HONNIN_CLOCK_OFFSET"))
	if err != nil {
		return nil, err
	}
	db, err := e.openDB()
	if err != nil {
		return nil, err
	}
	l := ledger.NewSQL(e.batch)
	srv, err := server.New(server.Config{
		Keys:      keys,
		IssuerURL: issuer,
		Ledger:    l,
		DB:        db,
		Signals:   worker.Signals,
		Static:    web.Static,
		Names:     assets.ClientNames{Wasm: clientWasm, WasmExec: clientWasmExec},
		Now:       now,
		Log:       e.log,
	})
	if err != nil {
		return nil, err
	}
	// Each request gets an id (never taken from the client: no peer of a
	// worker is a proxy of ours), in its answer and its log lines, and
	// passed to the issuer with its calls, as natively.
	e.handler, e.reports, e.ledger = requestid.Handler(srv, nil), srv.Reports, l
	return e.handler, nil
}

// ServeHTTP serves one request; a misconfigured edge answers 503 JSON.
func (e *edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, err := e.get()
	if err != nil {
		e.log.Error("edgeworker: not configured", "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"error":"unavailable","message":"the edge is not configured"}`)
		return
	}
	h.ServeHTTP(w, r)
}

// pruneAfter is how long an authentication's ledger row is kept after its
// last change: far longer than any of its tokens (10 minutes) lives.
const pruneAfter = 24 * time.Hour

// scheduled is the cron trigger: deliver what earlier requests could not
// (the issuer was down), and prune the ledger.
func (e *edge) scheduled(ctx context.Context) {
	if _, err := e.get(); err != nil {
		e.log.Error("edgeworker: not configured", "err", err)
		return
	}
	if n, err := e.reports.Deliver(ctx); err != nil {
		e.log.Error("edgeworker: deliver", "err", err)
	} else if n > 0 {
		e.log.Info("edgeworker: delivered queued outcomes", "n", n)
	}
	if _, err := e.ledger.Prune(ctx, time.Now().Add(-pruneAfter)); err != nil {
		e.log.Error("edgeworker: prune", "err", err)
	}
}

// clock is the edge's clock: time.Now, or shifted by offset (a Go duration,
// "30s", "-30s"). The offset exists for the end-to-end tests that prove an
// edge whose clock is off loses no outcome (HONNIN_CLOCK_OFFSET in
// .dev.vars); a deployed worker leaves it unset.
func clock(offset string) (func() time.Time, error) {
	if offset == "" {
		return time.Now, nil
	}
	d, err := time.ParseDuration(offset)
	if err != nil {
		return nil, fmt.Errorf("HONNIN_CLOCK_OFFSET: %w", err)
	}
	return func() time.Time { return time.Now().Add(d) }, nil
}
