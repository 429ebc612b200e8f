package store

import (
	"context"
	"testing"
	"time"
)

func TestQueues(t *testing.T) { forEachEngine(t, testQueues) }

// testQueues: the depths count pending notices only (not sent ones, not
// recorded failed sends), the oldest is the earliest still pending, and
// an RReq counts from queued until the DS accepted it.
func testQueues(t *testing.T, s *Store) {
	ctx := context.Background()
	want := func(step string, w Queues) {
		t.Helper()
		got, err := s.Queues(ctx)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if got.OutboxPending != w.OutboxPending || !got.OutboxOldest.Equal(w.OutboxOldest) || got.RReqPending != w.RReqPending {
			t.Fatalf("%s: Queues = %+v, want %+v", step, got, w)
		}
	}
	want("empty", Queues{})

	first, err := s.Enqueue(ctx, OutboxItem{Ref: "q1", Kind: "notice:locked", Payload: []byte{1}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, OutboxItem{Ref: "q2", Kind: "notice:locked", Payload: []byte{1}}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordFailedSend(ctx, "code:email", "***@mail.jp", "refused", t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	want("two pending, one failed send", Queues{OutboxPending: 2, OutboxOldest: t0})
	if err := s.OutboxRetryAt(ctx, first.ID, "busy", t0.Add(time.Hour), t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	want("the first waits for a retry", Queues{OutboxPending: 2, OutboxOldest: t0})
	if err := s.OutboxDelivered(ctx, first.ID, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	want("the first sent", Queues{OutboxPending: 1, OutboxOldest: t0.Add(time.Minute)})

	f := newFixture(t, s)
	a := f.create(t, "C")
	const id = "3c2b6f4e-5f3e-4d5c-9a0b-1c2d3e4f5a6b"
	if err := s.CreateEMVTransaction(ctx, EMVTransaction{ACSTransID: id, AuthenticationID: a.ID, ServerTransID: "sti",
		MessageVersion: "2.2.0", MessageCategory: "01", DeviceChannel: "02", AResStatus: "C", AResAt: t0}); err != nil {
		t.Fatal(err)
	}
	want("a transaction without an RReq", Queues{OutboxPending: 1, OutboxOldest: t0.Add(time.Minute)})
	if err := s.QueueRReq(ctx, id, "{}", t0); err != nil {
		t.Fatal(err)
	}
	want("an RReq queued", Queues{OutboxPending: 1, OutboxOldest: t0.Add(time.Minute), RReqPending: 1})
	if err := s.RReqFailed(ctx, id, "DS down", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	want("an RReq waiting for a retry", Queues{OutboxPending: 1, OutboxOldest: t0.Add(time.Minute), RReqPending: 1})
	if err := s.RReqDelivered(ctx, id, "01", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	want("the RReq accepted", Queues{OutboxPending: 1, OutboxOldest: t0.Add(time.Minute)})
}
