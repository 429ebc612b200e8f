package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/issuerclient"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/migrations"
	"github.com/honnin/honnin/edge/testenv"
)

// issuer is a stand-in for the issuer's POST /internal/v1/results: it checks
// the call token and the body like the real one must, and answers with
// whatever the test scripts.
type issuer struct {
	t   testing.TB
	srv *httptest.Server
	v   challenge.Verifier

	mu sync.Mutex
	// answer decides the response to call n (from 1); 0 means hang up
	// without answering (the issuer is down).
	answer func(n int) int
	calls  int
	got    map[string]int // jti -> times accepted
	bodies []contract.Outcome
	tokens []string // the call token of every accepted call, in order
	// batches is the size of every batch call it answered; noBatch makes
	// it an issuer without the batch endpoint (404).
	batches []int
	noBatch bool
	// byJTI, when set, decides each batched outcome's verdict instead of
	// answer.
	byJTI func(jti string) int
}

func newIssuer(t testing.TB, edge challenge.SigningKey, answer func(n int) int) *issuer {
	is := newStandIn(t, edge, answer)
	is.srv = httptest.NewServer(http.HandlerFunc(is.serve))
	t.Cleanup(is.srv.Close)
	return is
}

// newStandIn is the issuer without a server: is.serve is its handler.
func newStandIn(t testing.TB, edge challenge.SigningKey, answer func(n int) int) *issuer {
	return &issuer{
		t:      t,
		v:      challenge.Verifier{Keys: challenge.NewKeySet(edge.Public()), Issuer: challenge.EdgeName, Audience: challenge.IssuerName, MaxLifetime: time.Minute},
		answer: answer,
		got:    map[string]int{},
	}
}

func (is *issuer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == contract.ResultsBatchPath {
		is.mu.Lock()
		noBatch := is.noBatch
		is.mu.Unlock()
		if noBatch {
			http.Error(w, `{"error":"not_found","message":"no such endpoint"}`, http.StatusNotFound)
			return
		}
		is.serveBatch(w, r)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != contract.ResultsPath {
		is.t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var claims challenge.EdgeClaims
	if err := is.v.Verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), challenge.TypEdge, &claims); err != nil || claims.Subject != contract.SubjectResults {
		is.t.Errorf("call token: %v (sub %q)", err, claims.Subject)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		is.t.Errorf("content type %q", ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	var o contract.Outcome
	if err := dec.Decode(&o); err != nil {
		is.t.Errorf("body: %v", err)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	is.mu.Lock()
	is.calls++
	code := is.answer(is.calls)
	if code/100 == 2 {
		is.got[o.JTI]++
		is.bodies = append(is.bodies, o)
		is.tokens = append(is.tokens, r.Header.Get("Authorization"))
	}
	is.mu.Unlock()
	if code == 0 {
		hj, ok := w.(http.Hijacker)
		if !ok {
			is.t.Error("cannot hijack")
			return
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	w.WriteHeader(code)
	io.WriteString(w, `{"ok":true}`)
}

// serveBatch is the batch endpoint: answer decides each outcome's verdict
// as it would a call of its own (calls counts outcomes); a 0 for any of
// them hangs up on the whole call, recording none.
func (is *issuer) serveBatch(w http.ResponseWriter, r *http.Request) {
	var claims challenge.EdgeClaims
	if err := is.v.Verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), challenge.TypEdge, &claims); err != nil || claims.Subject != contract.SubjectResults {
		is.t.Errorf("call token: %v (sub %q)", err, claims.Subject)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var b contract.OutcomeBatch
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || len(b.Outcomes) == 0 || len(b.Outcomes) > contract.MaxOutcomeBatch {
		is.t.Errorf("batch body: %v (%d outcomes)", err, len(b.Outcomes))
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	is.mu.Lock()
	outcomes := make([]contract.Outcome, len(b.Outcomes))
	codes := make([]int, len(b.Outcomes))
	down := false
	for i, raw := range b.Outcomes {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&outcomes[i]); err != nil {
			is.t.Errorf("outcome %d: %v", i, err)
		}
		is.calls++
		if is.byJTI != nil {
			codes[i] = is.byJTI(outcomes[i].JTI)
		} else {
			codes[i] = is.answer(is.calls)
		}
		down = down || codes[i] == 0
	}
	res := contract.OutcomeBatchResponse{Results: make([]contract.OutcomeResult, len(codes))}
	if !down {
		is.batches = append(is.batches, len(codes))
		for i, code := range codes {
			res.Results[i] = contract.OutcomeResult{JTI: outcomes[i].JTI, Status: code}
			if code/100 == 2 {
				is.got[outcomes[i].JTI]++
				is.bodies = append(is.bodies, outcomes[i])
				is.tokens = append(is.tokens, r.Header.Get("Authorization"))
				res.Results[i].Applied = true
			} else {
				res.Results[i].Error, res.Results[i].Message = "scripted", fmt.Sprintf("scripted %d", code)
			}
		}
	}
	is.mu.Unlock()
	if down {
		hj, ok := w.(http.Hijacker)
		if !ok {
			is.t.Error("cannot hijack")
			return
		}
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(res)
}

func (is *issuer) state() (calls int, got map[string]int) {
	is.mu.Lock()
	defer is.mu.Unlock()
	cp := map[string]int{}
	for k, v := range is.got {
		cp[k] = v
	}
	return is.calls, cp
}

func (is *issuer) setAnswer(f func(n int) int) {
	is.mu.Lock()
	is.answer = f
	is.mu.Unlock()
}

func always(code int) func(int) int { return func(int) int { return code } }

// migrate gives a bare database the edge's schema.
func migrate(db *sql.DB) error { return migrations.Apply(context.Background(), db) }

// openDB opens an edge database with its schema (edge/migrations).
func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	l, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.DB()
}

// enqueue writes o to the queue as the ledger's batches do, due at due
// (leased to the caller until then), and returns the row as leased.
func enqueue(t testing.TB, db *sql.DB, o contract.Outcome, due time.Time) ledger.Leased {
	t.Helper()
	q, err := Queue(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO edge_report (jti, body, due, created) VALUES (?1, ?2, ?3, ?3)`, q.JTI, q.Body, due.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	return ledger.Leased{JTI: q.JTI, Body: q.Body}
}

// newReporter delivers from db to the issuer at url, signing with key, on
// the clock now (nil: time.Now).
func newReporter(t testing.TB, db *sql.DB, url string, key challenge.SigningKey, now func() time.Time) *Reporter {
	t.Helper()
	is, err := issuerclient.New(issuerclient.Config{URL: url, Key: key, HTTP: &http.Client{Timeout: 2 * time.Second}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{
		DB: db, Issuer: is, Now: now,
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Poll: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// run starts r.Run and stops it when the test ends.
func run(t testing.TB, r *Reporter) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func pending(t testing.TB, r *Reporter) int {
	t.Helper()
	n, err := r.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func dead(t testing.TB, r *Reporter) int {
	t.Helper()
	n, err := r.Dead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func edgeKey(t testing.TB) challenge.SigningKey {
	k, err := challenge.NewSigningKey(challenge.EdgeName)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func gen(n int) *int { return &n }

var outcome = contract.Outcome{JTI: "result-1", Sub: "auth-1", Status: "Y", Gen: gen(2), Attempts: 1}

func TestDelivery(t *testing.T) {
	tests := []struct {
		name   string
		answer func(n int) int
		// calls the issuer gets before the outcome is settled
		calls int
		dead  bool
	}{
		{"accepted at once", always(200), 1, false},
		{"down then up", func(n int) int {
			if n <= 3 {
				return 0
			}
			return 200
		}, 4, false},
		{"500s retried", func(n int) int {
			if n <= 3 {
				return 500
			}
			return 204
		}, 4, false},
		{"503, 408 and 429 retried", func(n int) int {
			return map[int]int{1: 503, 2: 408, 3: 429}[n] + map[bool]int{true: 200}[n > 3]
		}, 4, false},
		{"401 and 403 retried (a clock or a key the operator fixes)", func(n int) int {
			return map[int]int{1: 401, 2: 403}[n] + map[bool]int{true: 200}[n > 2]
		}, 3, false},
		{"404 retried (an edge pointed at the wrong issuer)", func(n int) int {
			return map[bool]int{true: 404, false: 200}[n <= 2]
		}, 3, false},
		{"400 set aside", always(400), 1, true},
		{"409 set aside", always(409), 1, true},
	}
	for _, tt := range tests {
		// In a bubble, Run's timers and the clock are fake: the test lets
		// more time pass than any retry or lease could wait, and
		// synctest.Wait returns once every goroutine is idle. What the
		// issuer has seen then is all it will ever see: a retry after the
		// outcome settled would be counted, however slow the machine.
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				key := edgeKey(t)
				is, client := newBubbleIssuer(t, key, tt.answer)
				db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
				ic, err := issuerclient.New(issuerclient.Config{URL: "http://issuer.test", Key: key, HTTP: client})
				if err != nil {
					t.Fatal(err)
				}
				r, err := New(Config{DB: db, Issuer: ic,
					Log: slog.New(slog.NewTextHandler(io.Discard, nil))}) // the default backoffs and Poll
				if err != nil {
					t.Fatal(err)
				}
				enqueue(t, db, outcome, time.Now())
				if n := pending(t, r); n != 1 {
					t.Fatalf("pending after enqueue = %d, want 1", n)
				}
				run(t, r)
				time.Sleep(r.backoff.max + 2*r.lease)
				synctest.Wait()
				if n := pending(t, r); n != 0 {
					t.Errorf("pending = %d, want 0", n)
				}
				calls, got := is.state()
				if calls != tt.calls {
					t.Errorf("issuer called %d times, want %d", calls, tt.calls)
				}
				wantGot, wantDead := 1, 0
				if tt.dead {
					wantGot, wantDead = 0, 1
				}
				if got[outcome.JTI] != wantGot {
					t.Errorf("issuer accepted the outcome %d times, want %d", got[outcome.JTI], wantGot)
				}
				if n := dead(t, r); n != wantDead {
					t.Errorf("dead = %d, want %d", n, wantDead)
				}
			})
		})
	}
}

func TestBodyIsOutcome(t *testing.T) {
	key := edgeKey(t)
	is := newIssuer(t, key, always(200))
	db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
	r := newReporter(t, db, is.srv.URL+"/", key, nil)
	want := contract.Outcome{JTI: "j", Sub: "a", Status: "N", Reason: "max_attempts", Gen: gen(3), Attempts: 5, ResultToken: "tok"}
	enqueue(t, db, want, time.Now())
	n, err := r.Deliver(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Deliver = (%d, %v), want (1, nil)", n, err)
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	if len(is.bodies) != 1 || !reflect.DeepEqual(is.bodies[0], want) {
		t.Errorf("issuer got %+v, want [%+v]", is.bodies, want)
	}
}

// TestWireFormat pins the exact JSON the issuer's /internal/v1/results
// receives for each kind of outcome: the issuer decodes it strictly.
func TestWireFormat(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    contract.Outcome
		want string
	}{
		{"Y by TOTP", contract.Outcome{JTI: "j1", Sub: "a", Status: "Y", Gen: gen(1), Attempts: 2, Cred: "CRED", Step: 29_500_000, Drift: -1, ResultToken: "t.o.k"},
			`{"jti":"j1","sub":"a","status":"Y","reason":"","gen":1,"attempts":2,"cred":"CRED","step":29500000,"drift":-1,"result_token":"t.o.k"}`},
		{"Y by email code", contract.Outcome{JTI: "j2", Sub: "a", Status: "Y", Gen: gen(2), Cred: "CRED"},
			`{"jti":"j2","sub":"a","status":"Y","reason":"","gen":2,"attempts":0,"cred":"CRED"}`},
		{"Y by password", contract.Outcome{JTI: "j3", Sub: "a", Status: "Y", Gen: gen(1)},
			`{"jti":"j3","sub":"a","status":"Y","reason":"","gen":1,"attempts":0}`},
		{"N", contract.Outcome{JTI: "j4", Sub: "a", Status: "N", Reason: "max_attempts", Gen: gen(1), Attempts: 5},
			`{"jti":"j4","sub":"a","status":"N","reason":"max_attempts","gen":1,"attempts":5}`},
		{"progress, wrong code", contract.Outcome{JTI: "j5", Sub: "a", Status: "C", Reason: contract.ReasonWrongCode, Gen: gen(1), Attempts: 1},
			`{"jti":"j5","sub":"a","status":"C","reason":"wrong_code","gen":1,"attempts":1}`},
		{"progress, code used", contract.Outcome{JTI: "j6", Sub: "a", Status: "C", Reason: contract.ReasonCodeUsed, Gen: gen(1), Attempts: 2},
			`{"jti":"j6","sub":"a","status":"C","reason":"code_used","gen":1,"attempts":2}`},
	} {
		q, err := Queue(tt.o)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if q.Body != tt.want || q.JTI != tt.o.JTI {
			t.Errorf("%s: body\n %s\nwant\n %s", tt.name, q.Body, tt.want)
		}
	}
}

// TestRestart: what one reporter queued while the issuer was down, a new
// reporter over the same file delivers.
func TestRestart(t *testing.T) {
	key := edgeKey(t)
	is := newIssuer(t, key, always(0))
	path := filepath.Join(t.TempDir(), "edge.db")
	ctx := context.Background()

	db1, err := sqlite.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(db1); err != nil {
		t.Fatal(err)
	}
	r1 := newReporter(t, db1, is.srv.URL, key, nil)
	for _, jti := range []string{"a", "b", "c"} {
		o := outcome
		o.JTI = jti
		enqueue(t, db1, o, time.Now())
	}
	if n, err := r1.Deliver(ctx); err != nil || n != 0 {
		t.Fatalf("Deliver with issuer down = (%d, %v), want (0, nil)", n, err)
	}
	db1.Close() // the process dies

	is.setAnswer(always(200))
	r2 := newReporter(t, openDB(t, path), is.srv.URL, key, nil)
	if n := pending(t, r2); n != 3 {
		t.Fatalf("pending after restart = %d, want 3", n)
	}
	run(t, r2)
	waitFor(t, "delivery after restart", func() bool { return pending(t, r2) == 0 })
	_, got := is.state()
	for _, jti := range []string{"a", "b", "c"} {
		if got[jti] != 1 {
			t.Errorf("%s accepted %d times, want 1", jti, got[jti])
		}
	}
}

// TestClaimedRowsComeBack: a reporter that dies between claiming a row and
// settling it loses nothing; the row is due again when the lease ends.
func TestClaimedRowsComeBack(t *testing.T) {
	key := edgeKey(t)
	is := newIssuer(t, key, always(200))
	db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
	clock := testenv.NewClock(time.Now())
	is.v.Now = clock.Now // the issuer lives in the same (moved) time
	r := newReporter(t, db, is.srv.URL, key, clock.Now)
	ctx := context.Background()
	enqueue(t, db, outcome, clock.Now())
	rows, err := r.claim(ctx) // claimed, then the process "dies"
	if err != nil || len(rows) != 1 {
		t.Fatalf("claim = (%v, %v)", rows, err)
	}
	if n, _ := r.Deliver(ctx); n != 0 {
		t.Fatalf("a leased row was delivered by a second worker")
	}
	clock.Add(r.lease + time.Second)
	if n, err := r.Deliver(ctx); err != nil || n != 1 {
		t.Fatalf("Deliver after lease = (%d, %v), want (1, nil)", n, err)
	}
}

func TestQueueValidates(t *testing.T) {
	if _, err := Queue(contract.Outcome{JTI: "j", Sub: "a", Status: "Y", Gen: gen(0)}); err != nil {
		t.Fatalf("Queue of a valid outcome: %v", err)
	}
	for _, bad := range []contract.Outcome{
		{Sub: "a", Status: "Y", Gen: gen(1)},
		{JTI: "j", Status: "Y", Gen: gen(1)},
		{JTI: "j", Sub: "a", Status: "Y"},
		{JTI: "j", Sub: "a", Status: "Y", Gen: gen(-1)},
		{JTI: "j", Sub: "a", Status: "X", Gen: gen(1)},
		{JTI: "j", Sub: "a", Status: "C", Reason: "max_attempts", Gen: gen(1), Attempts: 1},
		{JTI: "j", Sub: "a", Status: "C", Reason: "", Gen: gen(1), Attempts: 1},
		{JTI: "j", Sub: "a", Status: "C", Reason: contract.ReasonWrongCode, Gen: gen(1), Attempts: 0},
		{JTI: "j", Sub: "a", Status: "Y", Gen: gen(1), Step: -1},
	} {
		if _, err := Queue(bad); err == nil {
			t.Errorf("Queue(%+v) accepted", bad)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{min: time.Second, max: time.Minute}
	for _, tt := range []struct {
		failures int
		lo, hi   time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{4, 4 * time.Second, 8 * time.Second},
		{7, 30 * time.Second, time.Minute},
		{100, 30 * time.Second, time.Minute},
	} {
		for range 50 {
			if d := b.delay(tt.failures); d < tt.lo || d > tt.hi {
				t.Fatalf("delay(%d) = %v, want in [%v, %v]", tt.failures, d, tt.lo, tt.hi)
			}
		}
	}
}

// TestDeliverLeased: the request that queued an outcome leased delivers it
// itself after its response; if that fails, or the request never gets to
// it (the instance died), the background delivery takes it once the
// backoff or the lease is over, and nothing is lost or sent twice.
func TestDeliverLeased(t *testing.T) {
	tests := []struct {
		name string
		// issuer answers the direct delivery; 0: it is down.
		issuer int
		// deliver: whether the caller delivers directly (false: the
		// instance died after queueing).
		deliver bool
		wantOK  bool
		// wantPending after the direct delivery.
		wantPending int
	}{
		{name: "delivered directly", issuer: 200, deliver: true, wantOK: true, wantPending: 0},
		{name: "issuer down", issuer: 0, deliver: true, wantOK: false, wantPending: 1},
		{name: "issuer fails", issuer: 503, deliver: true, wantOK: false, wantPending: 1},
		{name: "issuer refuses the edge's token", issuer: 401, deliver: true, wantOK: false, wantPending: 1},
		{name: "instance died", deliver: false, wantPending: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := edgeKey(t)
			is := newIssuer(t, key, always(tt.issuer))
			db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
			clock := testenv.NewClock(time.Now())
			is.v.Now = clock.Now
			r := newReporter(t, db, is.srv.URL, key, clock.Now)
			ctx := context.Background()
			l := enqueue(t, db, outcome, r.LeaseEnd(clock.Now()))
			if n, err := r.Deliver(ctx); err != nil || n != 0 {
				t.Fatalf("Deliver of a row leased to its request = (%d, %v), want (0, nil)", n, err)
			}
			if tt.deliver {
				if ok := r.DeliverLeased(ctx, l); ok != tt.wantOK {
					t.Fatalf("DeliverLeased = %v, want %v", ok, tt.wantOK)
				}
			}
			if n := pending(t, r); n != tt.wantPending {
				t.Fatalf("pending = %d, want %d", n, tt.wantPending)
			}
			if tt.wantPending == 0 {
				if _, got := is.state(); got[outcome.JTI] != 1 {
					t.Fatalf("issuer got %v, want %s once", got, outcome.JTI)
				}
				return
			}
			is.setAnswer(always(200))
			clock.Add(r.lease + time.Second)
			if n, err := r.Deliver(ctx); err != nil || n != 1 {
				t.Fatalf("Deliver later = (%d, %v), want (1, nil)", n, err)
			}
			if _, got := is.state(); got[outcome.JTI] != 1 {
				t.Errorf("issuer got %v, want %s once", got, outcome.JTI)
			}
		})
	}
}

// TestListRequeue: the operator sees what waits and what was set aside,
// and puts the latter back in line; the next delivery sends it.
func TestListRequeue(t *testing.T) {
	key := edgeKey(t)
	is := newIssuer(t, key, always(409))
	db := openDB(t, filepath.Join(t.TempDir(), "edge.db"))
	r := newReporter(t, db, is.srv.URL, key, nil)
	ctx := context.Background()
	a, b := outcome, outcome
	a.JTI, b.JTI = "a", "b"
	enqueue(t, db, a, time.Now())
	if n, err := r.Deliver(ctx); err != nil || n != 0 {
		t.Fatal(n, err)
	}
	enqueue(t, db, b, time.Now().Add(time.Hour))
	rows, err := List(ctx, db, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !rows[0].Dead || rows[0].Sub != outcome.Sub || rows[0].Status != "Y" || rows[0].Tries != 1 ||
		!strings.Contains(rows[0].LastError, "409") || rows[1].Dead {
		t.Fatalf("List = %+v", rows)
	}
	is.setAnswer(always(200))
	if n, err := Requeue(ctx, db, time.Now(), "a"); err != nil || n != 1 {
		t.Fatalf("Requeue(a) = %d, %v", n, err)
	}
	if n, err := r.Deliver(ctx); err != nil || n != 1 {
		t.Fatalf("Deliver after requeue = %d, %v; want a delivered (b is not due)", n, err)
	}
	if n, err := Requeue(ctx, db, time.Now()); err != nil || n != 1 {
		t.Fatalf("Requeue() = %d, %v; want b", n, err)
	}
	if n, err := r.Deliver(ctx); err != nil || n != 1 {
		t.Fatalf("Deliver = %d, %v", n, err)
	}
	if _, got := is.state(); got["a"] != 1 || got["b"] != 1 {
		t.Errorf("issuer got %v", got)
	}
}
