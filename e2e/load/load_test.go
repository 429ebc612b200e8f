package load

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer/pan"
)

func ms(v ...int) []time.Duration {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x) * time.Millisecond
	}
	return d
}

func TestPercentile(t *testing.T) {
	ten := ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tt := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of ten is the 5th", ten, 50, 5 * time.Millisecond},
		{"p99 of ten is the largest", ten, 99, 10 * time.Millisecond},
		{"p100", ten, 100, 10 * time.Millisecond},
		{"tiny p is the smallest", ten, 0.1, 1 * time.Millisecond},
		{"p99 of a hundred is the 99th", hundred, 99, 99 * time.Millisecond},
		{"p50 of a hundred is the 50th", hundred, 50, 50 * time.Millisecond},
		{"p50 of three is the 2nd", ms(1, 2, 3), 50, 2 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	// utime 1234 and stime 56 are the 14th and 15th fields.
	const tail = " S 1 2 3 4 5 6 7 8 9 10 1234 56 0 0 20 0 9 0 100 200 300"
	for _, tt := range []struct {
		name, stat string
		want       int64
		err        string
	}{
		{"plain", "4242 (issuer)" + tail, 1290, ""},
		{"name with spaces and parens", "4242 (a b) (c) d)" + tail, 1290, ""},
		{"no name", "4242 issuer S 1 2", 0, "no command name"},
		{"cut short", "4242 (issuer) S 1 2 3", 0, "fields after the name"},
		{"not a number", "4242 (issuer) S 1 2 3 4 5 6 7 8 9 10 x 56 0", 0, "utime"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStat(tt.stat)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseStat = %d, %v; want an error with %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseStat = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestTicksToDuration(t *testing.T) {
	if got := TicksToDuration(250, 100); got != 2500*time.Millisecond {
		t.Errorf("250 ticks at 100 Hz = %v, want 2.5s", got)
	}
	if got := TicksToDuration(3, 1000); got != 3*time.Millisecond {
		t.Errorf("3 ticks at 1000 Hz = %v, want 3ms", got)
	}
}

// TestCPUTimeOfSelf reads this test's own /proc entry: the parser must
// take what the kernel writes.
func TestCPUTimeOfSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	if _, err := CPUTime(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if _, err := CPUTime(-1); err == nil {
		t.Error("CPUTime of pid -1 did not fail")
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8081", true},
		{"http://127.8.9.10/x", true},
		{"http://localhost:8787", true},
		{"http://[::1]:8080", true},
		{"https://127.0.0.1", true},
		{"http://10.0.0.1:8081", false},
		{"http://192.168.1.5", false},
		{"http://example.com", false},
		{"http://localhost.example.com", false},
		{"http://127.0.0.1.nip.io", false},
		{"http://[::ffff:8.8.8.8]", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8081", false},
		{"http://%zz", false},
	} {
		err := CheckLoopback(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
	_, err := NewClient(Target{IssuerURL: "http://127.0.0.1:1", EdgeURL: "http://203.0.113.7:8787", InboxURL: "http://127.0.0.1:2"}, 4)
	if err == nil || !strings.Contains(err.Error(), "203.0.113.7") || !strings.Contains(err.Error(), "not on loopback") {
		t.Errorf("NewClient with a remote edge: %v, want a refusal naming it", err)
	}
}

func TestWriteTable(t *testing.T) {
	rows := []Row{
		{WorkCreate, Level{Clients: 1, Requests: 7150, Elapsed: 10 * time.Second, P50: 800 * time.Microsecond,
			P99: 4500 * time.Microsecond, CPU: map[string]time.Duration{"issuer": 8580 * time.Millisecond, "edge": 0}}},
		{WorkCreateStart, Level{Clients: 64, Requests: 1220, Elapsed: 10 * time.Second, P50: 111 * time.Millisecond,
			P99: 1300 * time.Millisecond, Errors: 29, Statuses: map[string]int{"start 502": 22, "create 500": 7},
			CPU: map[string]time.Duration{"issuer": 7320 * time.Millisecond, "edge": 1830 * time.Millisecond, "mailsink": 610 * time.Millisecond}}},
	}
	var b strings.Builder
	if err := WriteTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := "| work | clients | requests/s | p50 | p99 | errors | issuer CPU/req | edge CPU/req | mailsink CPU/req |\n" +
		"|---|---:|---:|---:|---:|---|---:|---:|---:|\n" +
		"| merchant create | 1 | 715/s | 0.8 ms | 4.5 ms | 0 | 1.20 ms | 0.00 ms | – |\n" +
		"| create + start (code mailed) | 64 | 122/s | 111 ms | 1.3 s | **29**: 22 × start 502, 7 × create 500 | 6.00 ms | 1.50 ms | 0.50 ms |\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestWriteTableQueue: once a row watched the edge's report queue, the
// table has its three columns, and the rows that did not watch it show a
// dash there.
func TestWriteTableQueue(t *testing.T) {
	rows := []Row{
		{WorkCreate, Level{Clients: 1, Requests: 100, Elapsed: time.Second, P50: time.Millisecond, P99: time.Millisecond,
			CPU: map[string]time.Duration{}}},
		{WorkWrong, Level{Clients: 16, Requests: 15260, Elapsed: 10 * time.Second, P50: 9600 * time.Microsecond, P99: 25 * time.Millisecond,
			CPU: map[string]time.Duration{}, Queue: &QueueStats{Peak: 1530, EndRead: true, End: Queue{Depth: 1204, OldestAge: 2100 * time.Millisecond},
				Drained: true, Drain: 1400 * time.Millisecond}}},
		{WorkRight, Level{Clients: 64, Requests: 1000, Elapsed: time.Second, P50: time.Millisecond, P99: time.Millisecond,
			CPU: map[string]time.Duration{}, Queue: &QueueStats{EndRead: true, Drained: true}}},
	}
	var b strings.Builder
	if err := WriteTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := "| work | clients | requests/s | p50 | p99 | errors | issuer CPU/req | edge CPU/req | mailsink CPU/req | report queue peak | at end | drain after the level |\n" +
		"|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|\n" +
		"| merchant create | 1 | 100/s | 1.0 ms | 1.0 ms | 0 | – | – | – | – | – | – |\n" +
		"| wrong-code verify | 16 | 1,526/s | 9.6 ms | 25 ms | 0 | – | – | – | 1,530 | 1,204, oldest 2.1 s | drained in 1.4 s |\n" +
		"| right-code verify | 64 | 1,000/s | 1.0 ms | 1.0 ms | 0 | – | – | – | 0 | 0 | empty at end |\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestPerSecond(t *testing.T) {
	for v, want := range map[float64]string{0: "0/s", 999.4: "999/s", 1526.2: "1,526/s", 1234567: "1,234,567/s"} {
		if got := perSecond(v); got != want {
			t.Errorf("perSecond(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestMachine(t *testing.T) {
	if got, want := Machine(2, "", 24, "go1.26 linux/amd64"), "Machine: 2 cores, unknown CPU, 24 GiB; go1.26 linux/amd64."; got != want {
		t.Errorf("Machine = %q, want %q", got, want)
	}
}

func TestNewCards(t *testing.T) {
	cards, err := NewCards(3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range cards {
		if _, err := pan.Parse(c.Number); err != nil {
			t.Errorf("card %s: %v", c.Number, err)
		}
		if seen[c.Number] || seen[c.Email] {
			t.Errorf("card %s or %s given twice", c.Number, c.Email)
		}
		seen[c.Number], seen[c.Email] = true, true
	}
}

func TestWrongCode(t *testing.T) {
	for code, want := range map[string]string{"000000": "000001", "123456": "123457", "999999": "000000"} {
		if got := wrongCode(code); got != want {
			t.Errorf("wrongCode(%s) = %s, want %s", code, got, want)
		}
	}
}

// TestRun runs a pool of 100 requests on 4 clients: every request is
// counted once, the unexpected ones by their label, and the level ends
// when the pool is used up.
func TestRun(t *testing.T) {
	var n atomic.Int64
	l, err := Run(context.Background(), 4, time.Hour, map[string]int{"self": os.Getpid()}, func(context.Context, int) (string, error) {
		i := n.Add(1)
		switch {
		case i > 100:
			return "", ErrDone
		case i%10 == 0:
			return "start 502", nil
		}
		return "", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if l.Requests != 100 || l.Errors != 10 || l.Statuses["start 502"] != 10 || len(l.Statuses) != 1 || l.Clients != 4 {
		t.Errorf("level = %+v, want 100 requests, 10 × start 502, 4 clients", l)
	}
	if l.P50 > l.P99 {
		t.Errorf("p50 %v above p99 %v", l.P50, l.P99)
	}
	if _, ok := l.CPU["self"]; !ok {
		t.Errorf("no CPU time for this process: %v", l.CPU)
	}
}

func TestRunStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	_, err := Run(context.Background(), 2, time.Hour, nil, func(context.Context, int) (string, error) { return "", boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want boom", err)
	}
}

// TestClientAgainstFake drives the client's requests against a fake
// issuer, edge and mail sink: the expected answers are not errors, and an
// unexpected one is labelled with its status and what the screen said.
func TestClientAgainstFake(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/authentications", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer key" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]string{"id": "a1", "status": "C", "session_token": "st"})
	})
	mux.HandleFunc("POST /v1/start", func(w http.ResponseWriter, r *http.Request) {
		var req contract.ClientStartRequest
		json.NewDecoder(r.Body).Decode(&req)
		if req.SessionToken != "st" || req.Device == nil || req.Device.Validate() != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(contract.Screen{State: contract.StateChallenge, ChallengeToken: "ct",
			Display: &contract.Display{Delivery: contract.DeliverySent}})
	})
	mux.HandleFunc("POST /v1/verify", func(w http.ResponseWriter, r *http.Request) {
		var req contract.VerifyRequest
		json.NewDecoder(r.Body).Decode(&req)
		switch req.Code {
		case "123456":
			json.NewEncoder(w).Encode(contract.Screen{State: contract.StateResult, Result: contract.Result{Status: contract.StatusAuthenticated}})
		case "500500":
			w.WriteHeader(http.StatusBadGateway)
			json.NewEncoder(w).Encode(contract.ErrorBody{Error: "issuer_unavailable"})
		default:
			json.NewEncoder(w).Encode(contract.Screen{State: contract.StateChallenge, Error: contract.ReasonWrongCode})
		}
	})
	mux.HandleFunc("GET /api/messages", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode([]map[string]string{{"id": "m2", "text": "Your code is 123456. It expires"}, {"id": "m1", "text": "654321"}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := NewClient(Target{IssuerURL: srv.URL, EdgeURL: srv.URL, InboxURL: srv.URL, APIKey: "key"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	session, bad := c.Create(ctx, "4111111111111111")
	if bad != "" || session != "st" {
		t.Fatalf("Create = %q, %q", session, bad)
	}
	ch, bad := c.Start(ctx, session)
	if bad != "" || ch != "ct" {
		t.Fatalf("Start = %q, %q", ch, bad)
	}
	if _, bad := c.Start(ctx, "other"); bad != "start 400" {
		t.Errorf("Start of a bad session: %q, want start 400", bad)
	}
	code, id, err := c.NewestCode(ctx, "a@mail.jp")
	if err != nil || code != "123456" || id != "m2" {
		t.Fatalf("NewestCode = %q, %q, %v; want the newest mail's", code, id, err)
	}
	if bad := c.VerifyWrong(ctx, ch, wrongCode(code)); bad != "" {
		t.Errorf("VerifyWrong: %q", bad)
	}
	if bad := c.VerifyRight(ctx, ch, code); bad != "" {
		t.Errorf("VerifyRight: %q", bad)
	}
	if bad := c.VerifyWrong(ctx, ch, code); bad != "verify 200 result Y" {
		t.Errorf("VerifyWrong with the right code: %q, want verify 200 result Y", bad)
	}
	if bad := c.VerifyRight(ctx, ch, "500500"); bad != "verify 502 issuer_unavailable" {
		t.Errorf("VerifyRight answered 502: %q", bad)
	}
	bare := &Client{t: Target{IssuerURL: srv.URL, APIKey: "wrong"}, http: srv.Client()}
	if _, bad := bare.Create(ctx, "4111111111111111"); bad != "create 401" {
		t.Errorf("Create with a wrong key: %q, want create 401", bad)
	}
}
