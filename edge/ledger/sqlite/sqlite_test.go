package sqlite

import (
	"context"
	"errors"
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
			used, ok, err := l.Attempt(ctx, "auth1", 1, max)
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
		used, ok, err := l.Attempt(ctx, "a", 1, 3)
		if err != nil {
			t.Fatal(err)
		}
		if used != want.used || ok != want.ok {
			t.Errorf("attempt %d = (%d, %v), want (%d, %v)", i+1, used, ok, want.used, want.ok)
		}
	}
	// Another authentication has its own counter.
	if used, ok, err := l.Attempt(ctx, "b", 1, 3); err != nil || used != 1 || !ok {
		t.Errorf("other id = (%d, %v, %v), want (1, true, nil)", used, ok, err)
	}
	if _, _, err := l.Attempt(ctx, "c", 1, 0); err == nil {
		t.Error("max 0 accepted")
	}
}

// TestAttemptRefuses: the one statement that counts a try also refuses it,
// counting nothing, for a finished authentication and for a token of a
// superseded generation, and says which.
func TestAttemptRefuses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		setup    func(*Ledger) error
		gen      int
		wantErr  error
		wantUsed int
		wantOK   bool
	}{
		{"unknown authentication", func(*Ledger) error { return nil }, 1, nil, 1, true},
		{"current gen", func(l *Ledger) error { _, err := l.SeeGen(ctx, "a", 2); return err }, 2, nil, 1, true},
		{"newer gen than recorded", func(l *Ledger) error { _, err := l.SeeGen(ctx, "a", 2); return err }, 3, nil, 1, true},
		{"older gen", func(l *Ledger) error { _, err := l.SeeGen(ctx, "a", 2); return err }, 1, ledger.ErrSuperseded, 0, false},
		{"finished", func(l *Ledger) error { _, err := l.Finish(ctx, "a", "jti"); return err }, 1, ledger.ErrFinished, 0, false},
		{"finished and superseded: finished first", func(l *Ledger) error {
			if _, err := l.SeeGen(ctx, "a", 5); err != nil {
				return err
			}
			_, err := l.Finish(ctx, "a", "jti")
			return err
		}, 1, ledger.ErrFinished, 0, false},
		{"limit reached", func(l *Ledger) error {
			for range 3 {
				if _, _, err := l.Attempt(ctx, "a", 1, 3); err != nil {
					return err
				}
			}
			return nil
		}, 1, nil, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := open(t)
			if err := tt.setup(l); err != nil {
				t.Fatal(err)
			}
			before, _ := l.Lookup(ctx, "a")
			used, ok, err := l.Attempt(ctx, "a", tt.gen, 3)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if ok != tt.wantOK || (tt.wantErr == nil && used != tt.wantUsed) {
				t.Errorf("Attempt = (%d, %v), want (%d, %v)", used, ok, tt.wantUsed, tt.wantOK)
			}
			after, _ := l.Lookup(ctx, "a")
			if !ok && after.Attempts != before.Attempts {
				t.Errorf("refused try counted: attempts %d -> %d", before.Attempts, after.Attempts)
			}
		})
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
	if _, _, err := l.Attempt(ctx, "a", 4, 5); err != nil {
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

// TestUseStepConcurrent: however many edges accept the same TOTP code at
// once, exactly one of them may use it.
func TestUseStepConcurrent(t *testing.T) {
	l := open(t)
	ctx := context.Background()
	const workers = 20
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
		errs []error
	)
	start := make(chan struct{})
	for range workers {
		wg.Go(func() {
			<-start
			ok, err := l.UseStep(ctx, "cred-a", 29_500_000)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else if ok {
				wins++
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if wins != 1 {
		t.Errorf("step used by %d callers, want 1", wins)
	}
}

func TestUseStepSequence(t *testing.T) {
	l := open(t)
	ctx := context.Background()
	for i, tt := range []struct {
		cred string
		step int64
		ok   bool
	}{
		{"a", 100, true},
		{"a", 100, false}, // the same code again
		{"a", 99, false},  // an older one after a newer one
		{"b", 99, true},   // another credential has its own steps
		{"a", 101, true},
		{"a", 103, true}, // steps may be skipped
		{"a", 102, false},
		{"b", 99, false},
	} {
		ok, err := l.UseStep(ctx, tt.cred, tt.step)
		if err != nil || ok != tt.ok {
			t.Errorf("%d: UseStep(%s, %d) = (%v, %v), want (%v, nil)", i, tt.cred, tt.step, ok, err, tt.ok)
		}
	}
	for _, bad := range []struct {
		cred string
		step int64
	}{{"", 5}, {"a", 0}, {"a", -1}} {
		if _, err := l.UseStep(ctx, bad.cred, bad.step); err == nil {
			t.Errorf("UseStep(%q, %d) accepted", bad.cred, bad.step)
		}
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
	if _, err := l.UseStep(ctx, "cred", 100); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Prune(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("prune of recent entries = (%d, %v), want (0, nil)", n, err)
	}
	if n, err := l.Prune(ctx, time.Now().Add(time.Hour)); err != nil || n != 2 {
		t.Errorf("prune = (%d, %v), want (2, nil): the authentication and the credential", n, err)
	}
	if e, _ := l.Lookup(ctx, "old"); e != (ledger.Entry{}) {
		t.Errorf("pruned entry still there: %+v", e)
	}
	// The credential's record went too: its (long past) step is usable again.
	if ok, err := l.UseStep(ctx, "cred", 100); err != nil || !ok {
		t.Errorf("UseStep after prune = (%v, %v), want (true, nil)", ok, err)
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
	if _, _, err := l.Attempt(ctx, "a", 1, 5); err != nil {
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
