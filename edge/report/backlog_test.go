package report

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
)

// TestBacklog: pending and dead outcomes are counted apart, and the
// oldest is the earliest queued of the pending ones (a dead one is not
// waiting for anything).
func TestBacklog(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
	key, err := challenge.NewSigningKey(challenge.EdgeName)
	if err != nil {
		t.Fatal(err)
	}
	r := newReporter(t, db, "http://127.0.0.1:1", key, nil)
	ctx := context.Background()
	if b, err := r.Backlog(ctx); err != nil || b != (Backlog{}) {
		t.Fatalf("empty queue: %+v %v", b, err)
	}
	t0 := time.UnixMilli(1_790_000_000_000)
	for i, at := range []time.Time{t0.Add(2 * time.Second), t0, t0.Add(time.Second)} {
		l := enqueue(t, db, contract.Outcome{JTI: "j" + string(rune('a'+i)), Sub: "a", Status: "N", Gen: gen(1)}, at)
		if _, err := db.Exec(`UPDATE edge_report SET created = ?1 WHERE jti = ?2`, at.UnixMilli(), l.JTI); err != nil {
			t.Fatal(err)
		}
	}
	// The oldest row is dead: the oldest pending is t0+1s.
	if _, err := db.Exec(`UPDATE edge_report SET dead = 1 WHERE created = ?1`, t0.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	b, err := r.Backlog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Pending != 2 || b.Dead != 1 || !b.Oldest.Equal(t0.Add(time.Second)) {
		t.Errorf("Backlog = %+v, want 2 pending, 1 dead, oldest %v", b, t0.Add(time.Second))
	}
}
