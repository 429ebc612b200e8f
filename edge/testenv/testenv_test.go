package testenv

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a testing.TB that notes a Skip or a Fatal, and its message,
// instead of ending the test that runs it.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Skip(args ...any)  { r.skipped, r.msg = true, args[0].(string); runtime.Goexit() }
func (r *recorder) Fatal(args ...any) { r.failed, r.msg = true, args[0].(string); runtime.Goexit() }

// run calls f with a recorder in a goroutine of its own, which Skip and
// Fatal end as they would a test's.
func run(t *testing.T, f func(testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

// TestNeed: a missing tool skips the test, unless CI=true: then it fails
// it, so CI cannot pass having skipped; nothing missing ends nothing.
func TestNeed(t *testing.T) {
	missing := errors.New("no such tool")
	for _, tt := range []struct {
		ci                 string
		err                error
		wantSkip, wantFail bool
	}{
		{"", missing, true, false},
		{"false", missing, true, false},
		{"1", missing, true, false}, // only "true", as .ci/run sets it
		{"true", missing, false, true},
		{"", nil, false, false},
		{"true", nil, false, false},
	} {
		t.Setenv("CI", tt.ci)
		r := run(t, func(tb testing.TB) { Need(tb, "a tool", tt.err) })
		if r.skipped != tt.wantSkip || r.failed != tt.wantFail {
			t.Errorf("CI=%q, err %v: skipped %v, failed %v; want %v, %v", tt.ci, tt.err, r.skipped, r.failed, tt.wantSkip, tt.wantFail)
		}
		if tt.err != nil && (!strings.Contains(r.msg, "a tool") || !strings.Contains(r.msg, "no such tool")) {
			t.Errorf("CI=%q: message %q names neither the tool nor the cause", tt.ci, r.msg)
		}
	}
}

// TestLookPath: the first name found wins; none found ends the test as
// Need does, naming every name tried.
func TestLookPath(t *testing.T) {
	t.Setenv("CI", "")
	var got string
	r := run(t, func(tb testing.TB) { got = LookPath(tb, "honnin-no-such-tool", "sh") })
	if r.skipped || r.failed || !strings.HasSuffix(got, "/sh") {
		t.Errorf("LookPath(missing, sh) = %q (skipped %v, failed %v), want sh's path", got, r.skipped, r.failed)
	}
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := run(t, func(tb testing.TB) { LookPath(tb, "honnin-no-such-tool", "honnin-nor-this") })
		if r.skipped == (ci == "true") || r.failed != (ci == "true") {
			t.Errorf("CI=%q, nothing found: skipped %v, failed %v", ci, r.skipped, r.failed)
		}
		if !strings.Contains(r.msg, "honnin-no-such-tool or honnin-nor-this") {
			t.Errorf("CI=%q: message %q does not name what was looked for", ci, r.msg)
		}
	}
}

// TestClock: the clock stands still until moved, moves by what Add says,
// jumps where Set says, and is read and moved from many goroutines at once
// (go test -race checks the "at once").
func TestClock(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	c := NewClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now = %v, want %v", got, t0)
	}
	if got := c.Add(90 * time.Second); !got.Equal(t0.Add(90*time.Second)) || !c.Now().Equal(got) {
		t.Errorf("Add(90s) = %v, Now %v; want %v", got, c.Now(), t0.Add(90*time.Second))
	}
	c.Add(-time.Minute)
	if got := c.Now(); !got.Equal(t0.Add(30 * time.Second)) {
		t.Errorf("after Add(-1m): %v, want %v", got, t0.Add(30*time.Second))
	}
	c.Set(t0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Add(time.Second)
				c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(t0.Add(800 * time.Second)) {
		t.Errorf("after 800 concurrent Add(1s): %v, want %v", got, t0.Add(800*time.Second))
	}
}
