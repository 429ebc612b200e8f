package metrics

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/prom"
	"github.com/honnin/honnin/edge/prom/promtest"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func scrape(t *testing.T, h http.Handler) (promtest.Exposition, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != prom.ContentType {
		t.Fatalf("GET /metrics: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	return promtest.Parse(t, rec.Body.String()), rec.Body.String()
}

// TestIssuerExposition: a table of recorded events comes back out of the
// scrape as the counts of the right series, every family declared with
// its type.
func TestIssuerExposition(t *testing.T) {
	m := NewIssuer(Config{Start: t0.Add(1500 * time.Millisecond)})
	events := []func(){
		func() { m.Request("POST /v1/authentications", 201, 3*time.Millisecond) },
		func() { m.Request("POST /v1/authentications", 201, 40*time.Millisecond) },
		func() { m.Request("POST /v1/authentications", 400, time.Millisecond) },
		func() { m.Request("GET /v1/authentications/{id}", 0, 2*time.Millisecond) }, // wrote nothing: 200
		func() { m.Request("", 404, time.Millisecond) },
		func() { m.Request("POST /internal/v1/authentications/{id}/start", 503, 2*time.Second) },
		func() { m.Decision("challenge"); m.Reason("new_device"); m.Reason("velocity_card") },
		func() { m.Decision("deny"); m.Reason("velocity_card") },
		func() { m.Outbox("code:email", "sent") },
		func() { m.Outbox("code:email", "sent") },
		func() { m.Outbox("code:sms", "failed") },
		func() { m.Outbox("notice:locked", "retry") },
		func() { m.Outbox("notice:locked", "sent") },
		func() { m.Lock("email") },
		func() { m.TxRetry(); m.TxRetry() },
	}
	for _, ev := range events {
		ev()
	}
	e, _ := scrape(t, m.Handler())

	want := map[string]float64{
		promtest.Key(Prefix+"http_requests_total", "route", "POST /v1/authentications", "code", "201"):                                                    2,
		promtest.Key(Prefix+"http_requests_total", "route", "POST /v1/authentications", "code", "400"):                                                    1,
		promtest.Key(Prefix+"http_requests_total", "route", "GET /v1/authentications/{id}", "code", "200"):                                                1,
		promtest.Key(Prefix+"http_requests_total", "route", "unmatched", "code", "404"):                                                                   1,
		promtest.Key(Prefix+"http_requests_total", "route", "POST /internal/v1/authentications/{id}/start", "code", "503"):                                1,
		promtest.Key(Prefix+"http_request_duration_seconds_count", "route", "POST /v1/authentications", "class", "2xx"):                                   2,
		promtest.Key(Prefix+"http_request_duration_seconds_bucket", "route", "POST /v1/authentications", "class", "2xx", "le", "0.005"):                   1,
		promtest.Key(Prefix+"http_request_duration_seconds_bucket", "route", "POST /v1/authentications", "class", "2xx", "le", "0.05"):                    2,
		promtest.Key(Prefix+"http_request_duration_seconds_sum", "route", "POST /v1/authentications", "class", "2xx"):                                     0.043,
		promtest.Key(Prefix+"http_request_duration_seconds_count", "route", "POST /v1/authentications", "class", "4xx"):                                   1,
		promtest.Key(Prefix+"http_request_duration_seconds_bucket", "route", "POST /internal/v1/authentications/{id}/start", "class", "5xx", "le", "1"):   0,
		promtest.Key(Prefix+"http_request_duration_seconds_bucket", "route", "POST /internal/v1/authentications/{id}/start", "class", "5xx", "le", "2.5"): 1,
		promtest.Key(Prefix+"risk_decisions_total", "outcome", "challenge"):                                                                               1,
		promtest.Key(Prefix+"risk_decisions_total", "outcome", "deny"):                                                                                    1,
		promtest.Key(Prefix+"risk_decisions_total", "outcome", "frictionless"):                                                                            0,
		promtest.Key(Prefix+"risk_reasons_total", "reason", "new_device"):                                                                                 1,
		promtest.Key(Prefix+"risk_reasons_total", "reason", "velocity_card"):                                                                              2,
		promtest.Key(Prefix+"code_sends_total", "channel", "email", "result", "sent"):                                                                     2,
		promtest.Key(Prefix+"code_sends_total", "channel", "email", "result", "failed"):                                                                   0,
		promtest.Key(Prefix+"code_sends_total", "channel", "sms", "result", "failed"):                                                                     1,
		promtest.Key(Prefix+"notice_deliveries_total", "kind", "locked", "result", "retry"):                                                               1,
		promtest.Key(Prefix+"notice_deliveries_total", "kind", "locked", "result", "sent"):                                                                1,
		promtest.Key(Prefix+"credential_locks_total", "method", "email"):                                                                                  1,
		promtest.Key(Prefix + "db_tx_retries_total"):                                                                                                      2,
		promtest.Key(Prefix + "process_start_time_seconds"):                                                                                               float64(t0.Unix()) + 1.5,
	}
	for k, v := range want {
		got, ok := e.Samples[k]
		if !ok {
			t.Errorf("no series %s", k)
		} else if math.Abs(got-v) > 1e-9 {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	types := map[string]string{
		Prefix + "http_requests_total": "counter", Prefix + "http_request_duration_seconds": "histogram",
		Prefix + "risk_decisions_total": "counter", Prefix + "risk_reasons_total": "counter",
		Prefix + "code_sends_total": "counter", Prefix + "notice_deliveries_total": "counter",
		Prefix + "credential_locks_total": "counter", Prefix + "process_start_time_seconds": "gauge",
		Prefix + "db_tx_retries_total": "counter",
	}
	for n, typ := range types {
		if e.Type[n] != typ || e.Help[n] == "" {
			t.Errorf("%s: TYPE %q HELP %q, want %s with a help text", n, e.Type[n], e.Help[n], typ)
		}
	}
	for k := range e.Samples {
		if strings.Contains(k, "/v1/authentications/") && !strings.Contains(k, "{id}") {
			t.Errorf("a raw path in a label: %s", k)
		}
	}
	// No queue reader: no queue gauges, no scrape errors counter.
	if _, ok := e.Type[Prefix+"outbox_pending"]; ok {
		t.Error("queue gauges written without a reader")
	}
	// Families come sorted by name, so scrapes are stable.
	for i := 1; i < len(e.Order); i++ {
		if e.Order[i-1] >= e.Order[i] {
			t.Errorf("families out of order: %s before %s", e.Order[i-1], e.Order[i])
		}
	}
}

// TestQueueGauges: the queue gauges are read at each scrape, the age from
// the oldest item to now; a read that fails leaves them out of that
// scrape (not stale values) and counts an error; the next good read
// brings them back.
func TestQueueGauges(t *testing.T) {
	now := t0
	var q Queues
	var readErr error
	reads := 0
	m := NewIssuer(Config{Start: t0, Now: func() time.Time { return now }, Queues: func(ctx context.Context) (Queues, error) {
		reads++
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the queue read has no deadline")
		}
		return q, readErr
	}})
	pending, age, rreq, errs := Prefix+"outbox_pending", Prefix+"outbox_oldest_pending_age_seconds", Prefix+"emv_rreq_pending", Prefix+"scrape_errors_total"
	steps := []struct {
		name    string
		q       Queues
		err     error
		want    map[string]float64 // nil: the gauges are absent
		errsNow float64
	}{
		{"empty", Queues{}, nil, map[string]float64{pending: 0, age: 0, rreq: 0}, 0},
		{"waiting", Queues{OutboxPending: 3, OutboxOldest: t0.Add(-90 * time.Second), RReqPending: 2}, nil,
			map[string]float64{pending: 3, age: 90, rreq: 2}, 0},
		{"database down", Queues{OutboxPending: 3}, errors.New("down"), nil, 1},
		{"back", Queues{OutboxPending: 1, OutboxOldest: t0.Add(-time.Second)}, nil, map[string]float64{pending: 1, age: 1, rreq: 0}, 1},
		{"clock behind the row", Queues{OutboxPending: 1, OutboxOldest: t0.Add(time.Minute)}, nil, map[string]float64{pending: 1, age: 0, rreq: 0}, 1},
	}
	for i, st := range steps {
		q, readErr = st.q, st.err
		e, _ := scrape(t, m.Handler())
		if reads != i+1 {
			t.Fatalf("%s: %d reads after %d scrapes", st.name, reads, i+1)
		}
		for _, g := range []string{pending, age, rreq} {
			got, ok := e.Samples[g]
			switch {
			case st.want == nil && ok:
				t.Errorf("%s: %s written (%v) though the read failed", st.name, g, got)
			case st.want != nil && (!ok || got != st.want[g]):
				t.Errorf("%s: %s = %v (present %v), want %v", st.name, g, got, ok, st.want[g])
			}
			if ok && e.Type[g] != "gauge" {
				t.Errorf("%s: TYPE %q", g, e.Type[g])
			}
		}
		if got := e.Samples[errs]; got != st.errsNow {
			t.Errorf("%s: %s = %v, want %v", st.name, errs, got, st.errsNow)
		}
	}
}

// TestHotPathAllocations: counting an event of a series seen before
// allocates nothing.
func TestHotPathAllocations(t *testing.T) {
	m := NewIssuer(Config{Start: t0})
	m.Request("POST /v1/authentications", 201, time.Millisecond)
	m.Outbox("code:email", "sent")
	m.Decision("challenge")
	if n := testing.AllocsPerRun(100, func() {
		m.Request("POST /v1/authentications", 201, time.Millisecond)
		m.Outbox("code:email", "sent")
		m.Decision("challenge")
		m.Reason("challenge")
	}); n != 0 {
		t.Errorf("%v allocations per event", n)
	}
}

// TestConcurrent: counts from many goroutines at once, with scrapes
// between them, add up (run with -race to check the locking).
func TestConcurrent(t *testing.T) {
	m := NewIssuer(Config{Start: t0})
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				m.Request([]string{"a", "b"}[(w+i)%2], 200+(i%3), time.Duration(i)*time.Microsecond)
				m.Lock("sms")
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			m.Registry().Append(context.Background(), nil)
		}
	})
	wg.Wait()
	e, _ := scrape(t, m.Handler())
	total := 0.0
	for _, route := range []string{"a", "b"} {
		total += e.Samples[promtest.Key(Prefix+"http_request_duration_seconds_count", "route", route, "class", "2xx")]
	}
	if total != workers*each || e.Samples[promtest.Key(Prefix+"credential_locks_total", "method", "sms")] != workers*each {
		t.Errorf("counted %v requests and %v locks, want %d", total, e.Samples[promtest.Key(Prefix+"credential_locks_total", "method", "sms")], workers*each)
	}
}

// TestHandlerMethods: GET and HEAD only.
func TestHandlerMethods(t *testing.T) {
	h := NewIssuer(Config{Start: t0}).Handler()
	for method, want := range map[string]int{"GET": 200, "HEAD": 200, "POST": 405, "DELETE": 405} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/metrics", nil))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", method, rec.Code, want)
		}
		if method == "HEAD" && rec.Body.Len() != 0 {
			t.Errorf("HEAD wrote a body")
		}
	}
}

// BenchmarkRequest is the cost the API's middleware pays per request.
func BenchmarkRequest(b *testing.B) {
	m := NewIssuer(Config{Start: t0})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Request("POST /v1/authentications", 201, 3*time.Millisecond)
		}
	})
}
