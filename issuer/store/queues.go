package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Queues are the depths of the issuer's queues, for the metrics scrape.
type Queues struct {
	// OutboxPending is the notices waiting for delivery, retries
	// included; OutboxOldest is when the oldest of them was queued (zero
	// if none).
	OutboxPending int64
	OutboxOldest  time.Time
	// RReqPending is the EMV results requests not yet accepted by the DS.
	RReqPending int64
}

// Queues reads the queue depths in one statement. Both counts are
// answered from an index (outbox_due on state, emv_transactions_rreq_due
// on the pending RReqs only), so a scrape costs little however many
// finished rows the tables hold.
func (s *Store) Queues(ctx context.Context) (Queues, error) {
	var q Queues
	var oldest sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM outbox WHERE state = 'pending'),
		(SELECT MIN(created_at) FROM outbox WHERE state = 'pending'),
		(SELECT COUNT(*) FROM emv_transactions WHERE rreq_due_at IS NOT NULL)`).Scan(&q.OutboxPending, &oldest, &q.RReqPending)
	if err != nil {
		return Queues{}, fmt.Errorf("store: queue depths: %w", err)
	}
	q.OutboxOldest = fromNullMS(oldest)
	return q, nil
}
