package metrics

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/prom"
	"github.com/honnin/honnin/edge/prom/promtest"
	"github.com/honnin/honnin/edge/report"
)

var t0 = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

func scrape(t *testing.T, m *Edge) promtest.Exposition {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != prom.ContentType {
		t.Fatalf("GET /metrics: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	return promtest.Parse(t, rec.Body.String())
}

// TestLedgerBatches: the batches a real ledger runs through the wrapped
// Batcher are timed by size and result, and the ledger's answers are the
// same as without the wrapper.
func TestLedgerBatches(t *testing.T) {
	l, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	m := New(Config{Start: t0})
	b := m.Batcher(ledger.TxBatcher{DB: l.DB()})
	sql := ledger.NewSQL(b)
	ctx := context.Background()
	for range 3 {
		if e, err := sql.Lookup(ctx, "auth-1"); err != nil || e != (ledger.Entry{}) {
			t.Fatalf("Lookup through the timed batcher: %+v %v", e, err)
		}
	}
	if _, err := b.Batch(ctx, ledger.Stmt{SQL: "SELECT 1"}, ledger.Stmt{SQL: "SELECT no_such_column FROM edge_report"}); err == nil {
		t.Fatal("a bad statement succeeded")
	}
	e := scrape(t, m)
	for k, want := range map[string]float64{
		promtest.Key(Prefix+"ledger_batch_duration_seconds_count", "statements", "1", "result", "ok"):    3,
		promtest.Key(Prefix+"ledger_batch_duration_seconds_count", "statements", "2", "result", "error"): 1,
	} {
		if got := e.Samples[k]; got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if e.Type[Prefix+"ledger_batch_duration_seconds"] != "histogram" {
		t.Errorf("ledger latency TYPE %q", e.Type[Prefix+"ledger_batch_duration_seconds"])
	}
}

// TestRequestsAndStart: requests are counted under the edge's prefix and
// the start time is written.
func TestRequestsAndStart(t *testing.T) {
	m := New(Config{Start: t0.Add(500 * time.Millisecond)})
	m.Request("POST /v1/verify", 200, 2*time.Millisecond)
	m.Request("POST /v1/verify", 409, time.Millisecond)
	m.Request("", 404, 0)
	e := scrape(t, m)
	for k, want := range map[string]float64{
		promtest.Key(Prefix+"http_requests_total", "route", "POST /v1/verify", "code", "200"): 1,
		promtest.Key(Prefix+"http_requests_total", "route", "POST /v1/verify", "code", "409"): 1,
		promtest.Key(Prefix+"http_requests_total", "route", prom.Unmatched, "code", "404"):    1,
		promtest.Key(Prefix + "process_start_time_seconds"):                                   float64(t0.Unix()) + 0.5,
	} {
		if got := e.Samples[k]; got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if _, ok := e.Type[Prefix+"reports_pending"]; ok {
		t.Error("queue gauges written without a reader")
	}
}

// TestBacklogGauges: the queue is read at each scrape; a failed read
// leaves the gauges out (not stale) and counts an error.
func TestBacklogGauges(t *testing.T) {
	var b report.Backlog
	var readErr error
	m := New(Config{Start: t0, Now: func() time.Time { return t0 }, Backlog: func(ctx context.Context) (report.Backlog, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the queue read has no deadline")
		}
		return b, readErr
	}})
	pending, dead, age, errs := Prefix+"reports_pending", Prefix+"reports_dead", Prefix+"reports_oldest_pending_age_seconds", Prefix+"scrape_errors_total"
	steps := []struct {
		name    string
		b       report.Backlog
		err     error
		want    map[string]float64
		errsNow float64
	}{
		{"empty", report.Backlog{}, nil, map[string]float64{pending: 0, dead: 0, age: 0}, 0},
		{"behind", report.Backlog{Pending: 40, Dead: 2, Oldest: t0.Add(-12 * time.Second)}, nil, map[string]float64{pending: 40, dead: 2, age: 12}, 0},
		{"database down", report.Backlog{Pending: 40}, errors.New("down"), nil, 1},
	}
	for _, st := range steps {
		b, readErr = st.b, st.err
		e := scrape(t, m)
		for _, g := range []string{pending, dead, age} {
			got, ok := e.Samples[g]
			switch {
			case st.want == nil && ok:
				t.Errorf("%s: %s written (%v) though the read failed", st.name, g, got)
			case st.want != nil && (!ok || got != st.want[g]):
				t.Errorf("%s: %s = %v (present %v), want %v", st.name, g, got, ok, st.want[g])
			}
		}
		if got := e.Samples[errs]; got != st.errsNow {
			t.Errorf("%s: %s = %v, want %v", st.name, errs, got, st.errsNow)
		}
	}
}
