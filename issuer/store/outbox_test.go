package store

import (
	"errors"
	"testing"
	"time"
)

// TestOutboxClaim: one deliverer claims a due item; a second finds it
// taken; once the lease runs out (the first died) it is due again.
func TestOutboxClaim(t *testing.T) { forEachEngine(t, testOutboxClaim) }

func testOutboxClaim(t *testing.T, s *Store) {
	ctx := t.Context()
	it, err := s.Enqueue(ctx, OutboxItem{Ref: "r1", Kind: "notice:locked", Dest: "***@mail.jp", Payload: []byte{1}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, OutboxItem{Ref: "r2", Kind: "notice:locked"}, t0); err == nil {
		t.Error("item without payload queued")
	}
	lease := t0.Add(2 * time.Minute)
	got, err := s.ClaimOutbox(ctx, it.ID, t0, lease)
	if err != nil || got.Attempts != 1 || !got.NextAt.Equal(lease) {
		t.Fatalf("claim: %+v %v", got, err)
	}
	if _, err := s.ClaimOutbox(ctx, it.ID, t0.Add(time.Minute), lease); !errors.Is(err, ErrConflict) {
		t.Errorf("second claim within the lease: %v", err)
	}
	if due, _ := s.DueOutbox(ctx, t0.Add(time.Minute), 10); len(due) != 0 {
		t.Errorf("due within the lease: %+v", due)
	}
	if due, _ := s.DueOutbox(ctx, lease, 10); len(due) != 1 {
		t.Errorf("not due after the lease: %+v", due)
	}
	if err := s.OutboxDelivered(ctx, it.ID, lease); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimOutbox(ctx, it.ID, lease.Add(time.Hour), lease.Add(time.Hour)); !errors.Is(err, ErrConflict) {
		t.Errorf("claim of a sent item: %v", err)
	}
	if _, err := s.RetryOutbox(ctx, it.ID, lease); !errors.Is(err, ErrConflict) {
		t.Errorf("retry of a sent item: %v", err)
	}
	if _, err := s.RetryOutbox(ctx, 999, lease); !errors.Is(err, ErrNotFound) {
		t.Errorf("retry of no item: %v", err)
	}
	if err := s.OutboxGiveUp(ctx, 999, "x", lease); !errors.Is(err, ErrNotFound) {
		t.Errorf("give up of no item: %v", err)
	}
	pending, err := s.Outbox(ctx, []string{OutboxPending, OutboxFailed}, 0)
	if err != nil || len(pending) != 0 {
		t.Errorf("pending or failed: %+v %v", pending, err)
	}
	all, err := s.Outbox(ctx, nil, 0)
	if err != nil || len(all) != 1 || all[0].State != OutboxSent || all[0].Payload != nil {
		t.Errorf("all: %+v %v", all, err)
	}
}
