// Package metrics is the edge's set of metrics (edge/prom writes them):
// its answered requests, the time its ledger takes per batch (the lock
// every verify waits for), and the queue of outcomes owed to the issuer,
// read at each scrape. The native edge serves them on its admin listener
// (-admin-addr); on Workers the platform's analytics take their place.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/prom"
	"github.com/honnin/honnin/edge/report"
)

// Prefix starts the name of every edge metric.
const Prefix = "honnin_edge_"

// QueueTimeout bounds the scrape's read of the queue: a scrape must not
// hang on a database that does not answer.
const QueueTimeout = 2 * time.Second

// ledgerBounds are the ledger's batch latency buckets, in seconds: from a
// read served from SQLite's page cache (tens of µs) to a batch that waited
// out a busy writer.
var ledgerBounds = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5}

// Edge is the edge's set of metrics, safe for concurrent use.
type Edge struct {
	reg    *prom.Registry
	http   *prom.HTTP
	ledger *prom.HistogramVec[batchKey]
}

type batchKey struct {
	stmts string // "1", "2", "3+"
	ok    bool
}

// Config is what the edge's metrics read at scrape time.
type Config struct {
	// Start is when the process started.
	Start time.Time
	// Backlog reads the outcome queue (report.Reporter.Backlog); nil: the
	// queue gauges are not written.
	Backlog func(context.Context) (report.Backlog, error)
	// Now is the clock for the oldest outcome's age; nil: time.Now.
	Now func() time.Time
}

// New registers the edge's metrics in a new registry.
func New(cfg Config) *Edge {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := prom.NewRegistry()
	m := &Edge{reg: r, http: prom.NewHTTP(r, Prefix, "the edge")}
	m.ledger = prom.NewHistogramVec(r, Prefix+"ledger_batch_duration_seconds",
		"Time the ledger takes to run one rule (a statement, or a batch of them in one transaction), by statements in the batch and result (ok, error).",
		ledgerBounds, []string{"statements", "result"}, func(k batchKey) []string {
			return []string{k.stmts, map[bool]string{true: "ok", false: "error"}[k.ok]}
		})
	start := prom.NewGauge(r, Prefix+"process_start_time_seconds", "When the edge process started, in seconds since the Unix epoch.")
	start.Set(float64(cfg.Start.UnixNano()) / 1e9)
	if cfg.Backlog != nil {
		errs := prom.NewCounter(r, Prefix+"scrape_errors_total",
			"Scrapes in which the queue gauges could not be read from the database (they are left out of that scrape).")
		pending := prom.NewGauge(r, Prefix+"reports_pending", "Outcomes queued for the issuer and not yet delivered, retries included.")
		dead := prom.NewGauge(r, Prefix+"reports_dead", "Outcomes the issuer refused for good, kept for an operator (edge reports list).")
		age := prom.NewGauge(r, Prefix+"reports_oldest_pending_age_seconds",
			"How long the oldest undelivered outcome has waited; 0 when none waits.")
		prom.Sampled(r, QueueTimeout, errs, func(ctx context.Context) error {
			b, err := cfg.Backlog(ctx)
			if err != nil {
				return err
			}
			pending.Set(float64(b.Pending))
			dead.Set(float64(b.Dead))
			a := 0.0
			if !b.Oldest.IsZero() {
				a = max(cfg.Now().Sub(b.Oldest).Seconds(), 0)
			}
			age.Set(a)
			return nil
		}, pending, dead, age)
	}
	return m
}

// Handler serves the exposition (GET /metrics on the admin listener).
func (m *Edge) Handler() http.Handler { return m.reg.Handler() }

// Request counts an answered request (prom.HTTP.Request); it matches
// server.Config.OnRequest.
func (m *Edge) Request(route string, status int, took time.Duration) {
	m.http.Request(route, status, took)
}

// Batcher times every batch b runs. Wrap the ledger's Batcher with it
// (ledger.NewSQL(m.Batcher(b))): the ledger itself counts nothing.
func (m *Edge) Batcher(b ledger.Batcher) ledger.Batcher { return timed{b, m} }

type timed struct {
	b ledger.Batcher
	m *Edge
}

func (t timed) Batch(ctx context.Context, stmts ...ledger.Stmt) ([][]ledger.Row, error) {
	start := time.Now()
	rows, err := t.b.Batch(ctx, stmts...)
	n := "3+"
	if len(stmts) < 3 {
		n = strconv.Itoa(len(stmts))
	}
	t.m.ledger.With(batchKey{n, err == nil}).ObserveDuration(time.Since(start))
	return rows, err
}
