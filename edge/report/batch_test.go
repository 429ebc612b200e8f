package report

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/testenv"
)

// TestDeliverBatches: a queue of 250 goes out in three calls (100, 100,
// 50), and each outcome is settled on its own verdict: the accepted leave
// the queue, the refused for good are set aside, the rest wait for a retry
// and are then delivered, none twice.
func TestDeliverBatches(t *testing.T) {
	key := edgeKey(t)
	is := newIssuer(t, key, nil)
	verdict := func(jti string) int {
		switch {
		case strings.HasPrefix(jti, "conflict"):
			return 409
		case strings.HasPrefix(jti, "malformed"):
			return 400
		case strings.HasPrefix(jti, "busy"):
			return 503
		case strings.HasPrefix(jti, "unknown"):
			return 404
		}
		return 200
	}
	is.byJTI = verdict
	db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
	clock := testenv.NewClock(time.Now())
	is.v.Now = clock.Now
	r := newReporter(t, db, is.srv.URL, key, clock.Now)
	ctx := context.Background()

	var jtis []string
	for i := range 250 {
		kind := []string{"ok", "ok", "ok", "conflict", "malformed", "busy", "unknown", "ok"}[i%8]
		o := outcome
		o.JTI = fmt.Sprintf("%s-%03d", kind, i)
		enqueue(t, db, o, clock.Now())
		jtis = append(jtis, o.JTI)
	}
	want := map[int]int{}
	for _, j := range jtis {
		want[verdict(j)]++
	}
	n, err := r.Deliver(ctx)
	if err != nil || n != want[200] {
		t.Fatalf("Deliver = (%d, %v), want (%d, nil)", n, err, want[200])
	}
	if !slices.Equal(is.batches, []int{100, 100, 50}) {
		t.Errorf("batches %v, want [100 100 50]", is.batches)
	}
	if got, w := pending(t, r), want[503]+want[404]; got != w {
		t.Errorf("pending = %d, want %d (the 503s and 404s)", got, w)
	}
	if got, w := dead(t, r), want[409]+want[400]; got != w {
		t.Errorf("dead = %d, want %d (the 409s and 400s)", got, w)
	}
	rows, err := List(ctx, db, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if row.Tries != 1 || !strings.Contains(row.LastError, "scripted") {
			t.Errorf("%s: tries %d, last error %q; want 1 and the issuer's message", row.JTI, row.Tries, row.LastError)
		}
	}

	// The issuer comes round: the waiting ones are delivered, once.
	is.byJTI = func(string) int { return 200 }
	clock.Add(time.Minute)
	if n, err := r.Deliver(ctx); err != nil || n != want[503]+want[404] {
		t.Fatalf("Deliver later = (%d, %v), want (%d, nil)", n, err, want[503]+want[404])
	}
	_, got := is.state()
	for _, j := range jtis {
		w := 1
		if v := verdict(j); v == 409 || v == 400 {
			w = 0
		}
		if got[j] != w {
			t.Errorf("%s accepted %d times, want %d", j, got[j], w)
		}
	}
	if p, d := pending(t, r), dead(t, r); p != 0 || d != want[409]+want[400] {
		t.Errorf("after: pending %d dead %d", p, d)
	}
}

// TestDeliverBatchIssuerDown: a batch the issuer never answers leaves every
// outcome queued with a retry; the next delivery sends each once.
func TestDeliverBatchIssuerDown(t *testing.T) {
	key := edgeKey(t)
	is := newIssuer(t, key, always(0))
	db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
	clock := testenv.NewClock(time.Now())
	is.v.Now = clock.Now
	r := newReporter(t, db, is.srv.URL, key, clock.Now)
	ctx := context.Background()
	for i := range 30 {
		o := outcome
		o.JTI = fmt.Sprintf("j%02d", i)
		enqueue(t, db, o, clock.Now())
	}
	if n, err := r.Deliver(ctx); err != nil || n != 0 {
		t.Fatalf("Deliver with the issuer down = (%d, %v), want (0, nil)", n, err)
	}
	rows, err := List(ctx, db, 0)
	if err != nil || len(rows) != 30 {
		t.Fatalf("List = %d rows, %v", len(rows), err)
	}
	for _, row := range rows {
		if row.Dead || row.Tries != 1 || !row.Due.After(clock.Now()) {
			t.Errorf("%s: %+v, want rescheduled after one try", row.JTI, row)
		}
	}
	is.setAnswer(always(200))
	clock.Add(time.Minute)
	if n, err := r.Deliver(ctx); err != nil || n != 30 {
		t.Fatalf("Deliver after = (%d, %v), want (30, nil)", n, err)
	}
	_, got := is.state()
	if len(got) != 30 {
		t.Errorf("issuer got %d outcomes, want 30", len(got))
	}
	for j, k := range got {
		if k != 1 {
			t.Errorf("%s accepted %d times", j, k)
		}
	}
}

// TestDeliverBatchFallsBack: an issuer without the batch endpoint (404) is
// sent the outcomes one at a time, and a row whose body is not JSON (put in
// by hand) is set aside without holding up the rest.
func TestDeliverBatchFallsBack(t *testing.T) {
	key := edgeKey(t)
	is := newIssuer(t, key, always(200))
	is.noBatch = true
	db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
	r := newReporter(t, db, is.srv.URL, key, nil)
	for _, j := range []string{"a", "b", "c"} {
		o := outcome
		o.JTI = j
		enqueue(t, db, o, time.Now())
	}
	if _, err := db.Exec(`INSERT INTO edge_report (jti, body, due, created) VALUES ('broken', '{"jti":', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Deliver(context.Background()); err != nil || n != 3 {
		t.Fatalf("Deliver = (%d, %v), want (3, nil)", n, err)
	}
	calls, got := is.state()
	if calls != 3 || got["a"] != 1 || got["b"] != 1 || got["c"] != 1 || len(is.batches) != 0 {
		t.Errorf("issuer: %d calls, got %v, batches %v; want a, b, c one call each", calls, got, is.batches)
	}
	if d := dead(t, r); d != 1 {
		t.Errorf("dead = %d, want 1 (broken)", d)
	}
}
