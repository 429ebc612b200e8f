package report

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestAfterWhileRunningBatches: while Run runs, the outcomes of many
// requests (After) go to the issuer in batch calls, not a call each, and
// every one arrives once and leaves the queue. Without Run, After still
// delivers each in a call of its own.
func TestAfterWhileRunningBatches(t *testing.T) {
	for _, tt := range []struct {
		name    string
		running bool
	}{
		{"native edge: Run runs", true},
		{"Workers: no Run", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key := edgeKey(t)
			is := newIssuer(t, key, always(200))
			db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
			r := newReporter(t, db, is.srv.URL, key, nil)
			if tt.running {
				run(t, r)
				waitFor(t, "Run to start", r.running.Load)
			}
			const n = 250
			for i := range n {
				o := outcome
				o.JTI = fmt.Sprintf("fresh-%03d", i)
				r.After(context.Background(), enqueue(t, db, o, r.LeaseEnd(time.Now())))
			}
			waitFor(t, "every outcome delivered", func() bool {
				_, got := is.state()
				return len(got) == n && pending(t, r) == 0
			})
			_, got := is.state()
			for jti, times := range got {
				if times != 1 {
					t.Errorf("%s delivered %d times", jti, times)
				}
			}
			is.mu.Lock()
			batches, sum := len(is.batches), 0
			for _, b := range is.batches {
				sum += b
			}
			is.mu.Unlock()
			if tt.running && (sum != n || batches > n/5) {
				t.Errorf("%d outcomes in %d batch calls, want all %d in at most %d", sum, batches, n, n/5)
			}
			if !tt.running && batches != 0 {
				t.Errorf("%d batch calls without Run, want a call per outcome", batches)
			}
		})
	}
}

// TestFreshReleasedOnShutdown: outcomes handed off but not yet sent when
// Run ends are handed back due now, so the next Run delivers them at once
// rather than after their lease.
func TestFreshReleasedOnShutdown(t *testing.T) {
	key := edgeKey(t)
	is := newIssuer(t, key, always(200))
	db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
	r := newReporter(t, db, is.srv.URL, key, nil)
	// Handed off with no sender to take them: what a Run ending finds.
	r.running.Store(true)
	for i := range 3 {
		o := outcome
		o.JTI = fmt.Sprintf("left-%d", i)
		if !r.handOff(leased(enqueue(t, db, o, r.LeaseEnd(time.Now()))), 0) {
			t.Fatal("handOff refused with room in the queue")
		}
	}
	r.running.Store(false)
	if n, err := r.Deliver(context.Background()); err != nil || n != 0 {
		t.Fatalf("Deliver before the release = (%d, %v), want (0, nil): the rows are leased", n, err)
	}
	r.releaseFresh(context.Background())
	if n, err := r.Deliver(context.Background()); err != nil || n != 3 {
		t.Fatalf("Deliver after the release = (%d, %v), want (3, nil)", n, err)
	}
}
