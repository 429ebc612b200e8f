package report

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/testenv"
)

// TestCallTokenReuse: deliveries within callTokenReuse of a signing send
// the same call token, which the issuer accepts each time; the first after
// it sends a fresh one; and a clock that went backwards signs anew rather
// than reuse a token from the future.
func TestCallTokenReuse(t *testing.T) {
	key := edgeKey(t)
	is := newIssuer(t, key, always(200))
	db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
	start := time.Now()
	clock := testenv.NewClock(start)
	is.v.Now = clock.Now
	r := newReporter(t, db, is.srv.URL, key)
	r.now = clock.Now
	ctx := context.Background()
	steps := []struct {
		at      time.Duration
		sameAs  int // index of the delivery whose token this one reuses; -1: a new token
		comment string
	}{
		{0, -1, "first delivery signs"},
		{10 * time.Second, 0, "reused"},
		{callTokenReuse - time.Millisecond, 0, "reused up to the limit"},
		{callTokenReuse, -1, "signed anew at the limit"},
		{callTokenReuse + 5*time.Second, 3, "the new one is reused"},
		{callTokenReuse - time.Second, -1, "clock went back: signed anew"},
	}
	for i, st := range steps {
		clock.Set(start.Add(st.at))
		o := outcome
		o.JTI = challenge.NewID()
		if !r.DeliverLeased(ctx, enqueue(t, db, o, r.LeaseEnd(clock.Now()))) {
			t.Fatalf("delivery %d (%s) failed", i, st.comment)
		}
	}
	is.mu.Lock()
	tokens := append([]string(nil), is.tokens...)
	is.mu.Unlock()
	if len(tokens) != len(steps) {
		t.Fatalf("issuer accepted %d calls, want %d", len(tokens), len(steps))
	}
	// group[i]: the delivery that signed delivery i's token.
	group := make([]int, len(steps))
	for i, st := range steps {
		group[i] = i
		if st.sameAs >= 0 {
			group[i] = group[st.sameAs]
		}
		for j := range i {
			if same, want := tokens[i] == tokens[j], group[i] == group[j]; same != want {
				t.Errorf("delivery %d (%s): same token as delivery %d = %v, want %v", i, st.comment, j, same, want)
			}
		}
	}
}
