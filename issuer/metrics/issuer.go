// Package metrics is the issuer's set of metrics (edge/prom writes
// them): what its requests, risk decisions, code sends, notices and locks
// did, and the queue depths read at each scrape.
package metrics

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/prom"
)

// Prefix starts the name of every issuer metric.
const Prefix = "honnin_issuer_"

// StoreTimeout bounds the scrape's read of the queues from the database:
// a scrape must not hang on a database that does not answer (health's
// checks have the same bound).
const StoreTimeout = 2 * time.Second

// Queues are the depths the database holds, read at each scrape.
type Queues struct {
	// OutboxPending is the number of notices waiting for delivery
	// (including those waiting for a retry).
	OutboxPending int64
	// OutboxOldest is when the oldest of them was queued; zero if none.
	OutboxOldest time.Time
	// RReqPending is the number of EMV 3DS results requests (RReq) not
	// yet accepted by the Directory Server.
	RReqPending int64
}

// Issuer is the issuer's set of metrics. Its methods match the func
// fields of the code they count (api.Config.OnRequest and so on) and are
// safe for concurrent use.
type Issuer struct {
	reg *prom.Registry

	http      *prom.HTTP
	decisions *prom.CounterVec[string]
	reasons   *prom.CounterVec[string]
	codes     *prom.CounterVec[resultKey]
	notices   *prom.CounterVec[resultKey]
	locks     *prom.CounterVec[string]
	retries   *prom.Counter
}

type resultKey struct{ what, result string }

// Config is what the issuer's metrics read at scrape time.
type Config struct {
	// Start is when the process started.
	Start time.Time
	// Queues reads the queue depths from the database (one cheap query);
	// nil: the queue gauges are not written.
	Queues func(context.Context) (Queues, error)
	// Now is the clock for the oldest item's age; nil: time.Now.
	Now func() time.Time
}

// NewIssuer registers the issuer's metrics in a new registry.
func NewIssuer(cfg Config) *Issuer {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := prom.NewRegistry()
	m := &Issuer{reg: r}
	m.http = prom.NewHTTP(r, Prefix, "the issuer's API")
	m.decisions = prom.NewCounterVec(r, Prefix+"risk_decisions_total",
		"Risk decisions recorded at the first start of an authentication, by the answer given: frictionless, challenge or deny.",
		[]string{"outcome"}, func(k string) []string { return []string{k} })
	m.reasons = prom.NewCounterVec(r, Prefix+"risk_reasons_total",
		"Risk decisions in which a rule fired (or a note was added, such as provider_unavailable), by its reason code.",
		[]string{"reason"}, func(k string) []string { return []string{k} })
	m.codes = prom.NewCounterVec(r, Prefix+"code_sends_total",
		"One-time code messages handed to the mail server or the SMS gateway, by channel (email, sms) and result (sent, failed).",
		[]string{"channel", "result"}, func(k resultKey) []string { return []string{k.what, k.result} })
	m.notices = prom.NewCounterVec(r, Prefix+"notice_deliveries_total",
		"Delivery attempts of queued notices (the outbox), by notice kind and result (sent, retry, failed).",
		[]string{"kind", "result"}, func(k resultKey) []string { return []string{k.what, k.result} })
	m.locks = prom.NewCounterVec(r, Prefix+"credential_locks_total",
		"Credentials locked by consecutive wrong codes, by method.",
		[]string{"method"}, func(k string) []string { return []string{k} })
	m.retries = prom.NewCounter(r, Prefix+"db_tx_retries_total",
		"Database transactions run again because the database aborted them for a conflict with a concurrent one (PostgreSQL's serialization failures and deadlocks; always 0 on SQLite): work a busy database threw away.")
	start := prom.NewGauge(r, Prefix+"process_start_time_seconds", "When the issuer process started, in seconds since the Unix epoch.")
	start.Set(float64(cfg.Start.UnixNano()) / 1e9)
	// The usual answers are written from the start at 0, so a rate over
	// them has a first point before the first event.
	for _, o := range []string{"frictionless", "challenge", "deny"} {
		m.decisions.Add(o, 0)
	}
	for _, ch := range []string{"email", "sms"} {
		m.codes.Add(resultKey{ch, "sent"}, 0)
		m.codes.Add(resultKey{ch, "failed"}, 0)
	}
	if cfg.Queues != nil {
		errs := prom.NewCounter(r, Prefix+"scrape_errors_total",
			"Scrapes in which the queue gauges could not be read from the database (they are left out of that scrape).")
		pending := prom.NewGauge(r, Prefix+"outbox_pending", "Notices in the outbox waiting for delivery, retries included.")
		age := prom.NewGauge(r, Prefix+"outbox_oldest_pending_age_seconds",
			"How long the oldest notice waiting in the outbox has waited; 0 when none waits.")
		rreq := prom.NewGauge(r, Prefix+"emv_rreq_pending", "EMV 3-D Secure results requests (RReq) not yet accepted by the Directory Server.")
		prom.Sampled(r, StoreTimeout, errs, func(ctx context.Context) error {
			q, err := cfg.Queues(ctx)
			if err != nil {
				return err
			}
			pending.Set(float64(q.OutboxPending))
			a := 0.0
			if !q.OutboxOldest.IsZero() {
				a = max(cfg.Now().Sub(q.OutboxOldest).Seconds(), 0)
			}
			age.Set(a)
			rreq.Set(float64(q.RReqPending))
			return nil
		}, pending, age, rreq)
	}
	return m
}

// Handler serves the exposition (GET /metrics on the admin listener).
func (m *Issuer) Handler() http.Handler { return m.reg.Handler() }

// Registry is the registry the metrics are in, for a process that adds
// its own.
func (m *Issuer) Registry() *prom.Registry { return m.reg }

// Request counts an answered request (prom.HTTP.Request).
func (m *Issuer) Request(route string, status int, took time.Duration) {
	m.http.Request(route, status, took)
}

// Decision counts a recorded risk decision by its outcome.
func (m *Issuer) Decision(outcome string) { m.decisions.Inc(outcome) }

// Reason counts a reason code of a recorded decision.
func (m *Issuer) Reason(code string) { m.reasons.Inc(code) }

// TxRetry counts a transaction run again after a conflict
// (store.Store.OnRetry).
func (m *Issuer) TxRetry() { m.retries.Inc() }

// Lock counts a credential locked by wrong codes.
func (m *Issuer) Lock(method string) { m.locks.Inc(method) }

// Outbox counts a result the outbox reports: kind is an outbox kind,
// "code:<channel>" for a code send (result sent or failed) or
// "notice:<kind>" for a notice delivery attempt (sent, retry, failed).
func (m *Issuer) Outbox(kind, result string) {
	if ch, ok := strings.CutPrefix(kind, "code:"); ok {
		m.codes.Inc(resultKey{ch, result})
		return
	}
	m.notices.Inc(resultKey{strings.TrimPrefix(kind, "notice:"), result})
}
