package outbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/store"
)

// Delivery rules.
const (
	// MaxAttempts is how many times a notice is tried before it is failed:
	// with Backoff doubling from 30 s that is about an hour of trying.
	MaxAttempts = 8
	// FirstBackoff is the wait after the first failed attempt; each next
	// one doubles, up to MaxBackoff.
	FirstBackoff = 30 * time.Second
	MaxBackoff   = 30 * time.Minute
	// lease is how long a claimed item is not due for anyone else: longer
	// than a send may take (the mailer's own bound is 30 s).
	lease = 2 * time.Minute
	// tick is how often Run looks for due items when nothing wakes it.
	tick = 5 * time.Second
	// batch bounds one pass.
	batch = 50
)

// Backoff is the wait after failed attempt number n (1-based).
func Backoff(n int) time.Duration {
	d := FirstBackoff
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// Run delivers queued notices until ctx is done: at once when one is
// queued, and every few seconds for retries.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if _, err := o.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			o.log.Warn("outbox: delivery pass", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.wake:
		}
	}
}

// DeliverDue makes one attempt at every item due now and returns how many
// were sent.
func (o *Outbox) DeliverDue(ctx context.Context) (int, error) {
	due, err := o.store.DueOutbox(ctx, o.now(), batch)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, it := range due {
		now := o.now()
		it, err := o.store.ClaimOutbox(ctx, it.ID, now, now.Add(lease))
		if errors.Is(err, store.ErrConflict) {
			continue // another deliverer has it
		}
		if err != nil {
			return sent, err
		}
		ok, err := o.deliver(ctx, it)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// errPermanent marks a failure no retry can mend.
var errPermanent = errors.New("will not succeed on retry")

// deliver makes one attempt at it and records the outcome.
func (o *Outbox) deliver(ctx context.Context, it store.OutboxItem) (bool, error) {
	err := o.send(ctx, it)
	now := o.now()
	switch {
	case err == nil:
		o.log.Info("outbox: sent", "id", it.ID, "kind", it.Kind, "attempts", it.Attempts)
		o.tell(it.Kind, "sent")
		return true, o.store.OutboxDelivered(ctx, it.ID, now)
	case errors.Is(err, errPermanent) || errors.Is(err, dispatch.ErrInvalidCodeMail) || it.Attempts >= MaxAttempts:
		o.log.Warn("outbox: failed", "id", it.ID, "kind", it.Kind, "attempts", it.Attempts, "err", err)
		o.tell(it.Kind, "failed")
		return false, o.store.OutboxGiveUp(ctx, it.ID, err.Error(), now)
	default:
		next := now.Add(Backoff(it.Attempts))
		o.log.Info("outbox: will retry", "id", it.ID, "kind", it.Kind, "attempts", it.Attempts, "at", next, "err", err)
		o.tell(it.Kind, "retry")
		return false, o.store.OutboxRetryAt(ctx, it.ID, err.Error(), next, now)
	}
}

// send opens and sends one notice.
func (o *Outbox) send(ctx context.Context, it store.OutboxItem) error {
	if !strings.HasPrefix(it.Kind, noticePrefix) {
		return fmt.Errorf("outbox: %s: %w: not a notice", it.Kind, errPermanent)
	}
	b, err := o.vault.Open(it.Payload, aad(it.Ref))
	if err != nil {
		return fmt.Errorf("outbox: %w: payload does not open (vault key gone?): %v", errPermanent, err)
	}
	var n dispatch.Notice
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("outbox: %w: payload: %v", errPermanent, err)
	}
	if !n.Expires.IsZero() && !o.now().Before(n.Expires) {
		return fmt.Errorf("outbox: %w: expired at %s before it could be sent", errPermanent, n.Expires.UTC().Format(time.RFC3339))
	}
	return o.mail.SendNotice(ctx, n)
}

// newRef names an item: 128 random bits.
func newRef() string { return rand.Text() }
