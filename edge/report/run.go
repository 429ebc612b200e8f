package report

import (
	"context"
	"database/sql"
	"time"
)

// Run delivers queued outcomes until ctx ends: when the earliest retry or
// lease comes due, and at least every Poll for rows written by another
// process. It returns nil when ctx ends, once the fresh sender has handed
// back what it held. Fresh outcomes (After) go to the fresh sender it
// runs beside, in batches (sendFresh); the loop is the safety net. One Run
// per Reporter.
func (r *Reporter) Run(ctx context.Context) error {
	fresh := make(chan struct{})
	go func() {
		defer close(fresh)
		r.sendFresh(ctx)
	}()
	r.running.Store(true)
	defer func() {
		r.running.Store(false)
		<-fresh
		// An outcome handed off between the sender's last look and
		// running turning false.
		r.releaseFresh(ctx)
	}()
	for {
		if _, err := r.Deliver(ctx); err != nil {
			r.log.Error("report: deliver", "err", err)
		}
		wait := r.untilNextDue(ctx)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		t.Stop()
	}
}

// untilNextDue is how long Run may sleep: until the earliest due row, at
// most Poll; after a database error, the minimum backoff.
func (r *Reporter) untilNextDue(ctx context.Context) time.Duration {
	var due sql.NullInt64
	if err := r.db.QueryRowContext(ctx, `SELECT MIN(due) FROM edge_report WHERE dead = 0`).Scan(&due); err != nil {
		if ctx.Err() == nil {
			r.log.Error("report: next due", "err", err)
		}
		return r.backoff.min
	}
	if !due.Valid {
		return r.poll
	}
	d := time.UnixMilli(due.Int64).Sub(r.now())
	return min(max(d, time.Millisecond), r.poll)
}
