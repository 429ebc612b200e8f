package report

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Backlog is the state of the outcome queue, for the edge's metrics.
type Backlog struct {
	// Pending is the outcomes waiting for delivery (retries and leased
	// ones included), Dead those the issuer refused for good.
	Pending, Dead int64
	// Oldest is when the oldest pending outcome was queued; zero if none.
	Oldest time.Time
}

// Backlog reads the queue's state in one statement, so a scrape costs one
// query however long the queue is (the (dead, due) index serves it).
func (r *Reporter) Backlog(ctx context.Context) (Backlog, error) {
	var q Backlog
	var oldest sql.NullInt64
	err := r.db.QueryRowContext(ctx, `SELECT
  COALESCE(SUM(CASE WHEN dead = 0 THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN dead = 1 THEN 1 ELSE 0 END), 0),
  MIN(CASE WHEN dead = 0 THEN created END)
FROM edge_report`).Scan(&q.Pending, &q.Dead, &oldest)
	if err != nil {
		return Backlog{}, fmt.Errorf("report: backlog: %w", err)
	}
	if oldest.Valid {
		q.Oldest = time.UnixMilli(oldest.Int64)
	}
	return q, nil
}
