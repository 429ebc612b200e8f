package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/ledger"
)

func open(t testing.TB) *Ledger {
	t.Helper()
	l, err := Open(context.Background(), filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestAttemptConcurrent is the property the whole edge relies on: however
// many wrong codes arrive at once, exactly max of them are counted.
func TestAttemptConcurrent(t *testing.T) {
	l := open(t)
	ctx := context.Background()
	const workers, max = 20, 5
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		successes int
		seen      = map[int]bool{}
		errs      []error
	)
	start := make(chan struct{})
	for range workers {
		wg.Go(func() {
			<-start
			used, ok, err := l.Attempt(ctx, "auth1", max)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if ok {
				successes++
				if seen[used] {
					t.Errorf("count %d handed out twice", used)
				}
				seen[used] = true
			} else if used != max {
				t.Errorf("refused attempt reports used=%d, want %d", used, max)
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if successes != max {
		t.Errorf("successes = %d, want %d", successes, max)
	}
	e, err := l.Lookup(ctx, "auth1")
	if err != nil {
		t.Fatal(err)
	}
	if e.Attempts != max {
		t.Errorf("stored attempts = %d, want %d", e.Attempts, max)
	}
}

func TestAttemptSequence(t *testing.T) {
	l := open(t)
	ctx := context.Background()
	for i, want := range []struct {
		used int
		ok   bool
	}{{1, true}, {2, true}, {3, true}, {3, false}, {3, false}} {
		used, ok, err := l.Attempt(ctx, "a", 3)
		if err != nil {
			t.Fatal(err)
		}
		if used != want.used || ok != want.ok {
			t.Errorf("attempt %d = (%d, %v), want (%d, %v)", i+1, used, ok, want.used, want.ok)
		}
	}
	// Another authentication has its own counter.
	if used, ok, err := l.Attempt(ctx, "b", 3); err != nil || used != 1 || !ok {
		t.Errorf("other id = (%d, %v, %v), want (1, true, nil)", used, ok, err)
	}
	if _, _, err := l.Attempt(ctx, "c", 0); err == nil {
		t.Error("max 0 accepted")
	}
}

func TestSeeGen(t *testing.T) {
	l := open(t)
	ctx := context.Background()
	steps := []struct {
		gen  int
		ok   bool
		want int // gen stored afterwards
	}{
		{1, true, 1},
		{1, true, 1}, // the same gen again (a reload) is fine
		{3, true, 3},
		{2, false, 3}, // older: refused, nothing changes
		{1, false, 3},
		{4, true, 4},
	}
	for _, s := range steps {
		ok, err := l.SeeGen(ctx, "a", s.gen)
		if err != nil {
			t.Fatal(err)
		}
		if ok != s.ok {
			t.Errorf("SeeGen(%d) = %v, want %v", s.gen, ok, s.ok)
		}
		e, err := l.Lookup(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if e.Gen != s.want {
			t.Errorf("after SeeGen(%d): gen %d, want %d", s.gen, e.Gen, s.want)
		}
	}
	// Recording a gen keeps the attempts: a resend never resets them.
	if _, _, err := l.Attempt(ctx, "a", 5); err != nil {
		t.Fatal(err)
	}
	if _, err := l.SeeGen(ctx, "a", 5); err != nil {
		t.Fatal(err)
	}
	if e, _ := l.Lookup(ctx, "a"); e.Attempts != 1 || e.Gen != 5 {
		t.Errorf("after attempt + new gen: %+v, want gen 5 attempts 1", e)
	}
}

func TestFinishOnce(t *testing.T) {
	l := open(t)
	ctx := context.Background()
	if _, err := l.SeeGen(ctx, "a", 1); err != nil {
		t.Fatal(err)
	}
	first, err := l.Finish(ctx, "a", "jti-1")
	if err != nil || !first {
		t.Fatalf("first Finish = (%v, %v), want (true, nil)", first, err)
	}
	first, err = l.Finish(ctx, "a", "jti-2")
	if err != nil || first {
		t.Fatalf("second Finish = (%v, %v), want (false, nil)", first, err)
	}
	e, err := l.Lookup(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if want := (ledger.Entry{Gen: 1, Finished: true}); e != want {
		t.Errorf("entry %+v, want %+v", e, want)
	}
	// Finishing an id never seen before works too (cancel on a fresh edge).
	if first, err := l.Finish(ctx, "b", "jti-3"); err != nil || !first {
		t.Errorf("Finish of unseen id = (%v, %v)", first, err)
	}
	if _, err := l.Finish(ctx, "c", ""); err == nil {
		t.Error("empty jti accepted")
	}
}

func TestFinishConcurrent(t *testing.T) {
	l := open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 20 {
		wg.Go(func() {
			first, err := l.Finish(ctx, "a", "jti-"+string(rune('a'+i)))
			if err != nil {
				t.Error(err)
				return
			}
			if first {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d callers won Finish, want 1", wins)
	}
}

func TestLookupUnknown(t *testing.T) {
	l := open(t)
	e, err := l.Lookup(context.Background(), "nope")
	if err != nil {
		t.Fatal(err)
	}
	if e != (ledger.Entry{}) {
		t.Errorf("unknown id: %+v, want zero entry", e)
	}
}

func TestPrune(t *testing.T) {
	l := open(t)
	ctx := context.Background()
	if _, err := l.SeeGen(ctx, "old", 1); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Prune(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("prune of recent entries = (%d, %v), want (0, nil)", n, err)
	}
	if n, err := l.Prune(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("prune = (%d, %v), want (1, nil)", n, err)
	}
	if e, _ := l.Lookup(ctx, "old"); e != (ledger.Entry{}) {
		t.Errorf("pruned entry still there: %+v", e)
	}
}

// TestReopen: the state is in the file, not the process.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edge.db")
	ctx := context.Background()
	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Attempt(ctx, "a", 5); err != nil {
		t.Fatal(err)
	}
	l.Close()
	l, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if e, _ := l.Lookup(ctx, "a"); e.Attempts != 1 {
		t.Errorf("attempts after reopen = %d, want 1", e.Attempts)
	}
}
