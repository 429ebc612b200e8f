package main

import (
	"context"
	"time"

	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/metrics"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

// newMetrics returns the issuer's metrics, reading the queue depths from
// st at each scrape.
func newMetrics(st *store.Store, start time.Time) *metrics.Issuer {
	m := metrics.NewIssuer(metrics.Config{Start: start, Queues: func(ctx context.Context) (metrics.Queues, error) {
		q, err := st.Queues(ctx)
		return metrics.Queues{OutboxPending: q.OutboxPending, OutboxOldest: q.OutboxOldest, RReqPending: q.RReqPending}, err
	}})
	st.OnRetry(m.TxRetry)
	return m
}

// observer counts the use cases' decisions and locks in m.
func observer(m *metrics.Issuer) acs.Observer {
	return acs.Observer{
		Decision: func(outcome string, reasons []risk.Reason) {
			m.Decision(outcome)
			for _, r := range reasons {
				m.Reason(r.Code)
			}
		},
		Lock: m.Lock,
	}
}
