// Package ledgertest is the edge ledger's behaviour, as tests any
// engine's adapter runs against its own database: the rules are one text
// (edge/ledger), so what they promise is one suite, run on SQLite
// (edge/ledger/sqlite) and PostgreSQL (edge/ledger/postgres) alike.
package ledgertest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/limits"
)

var t0 = time.Unix(1_800_000_000, 0)

// ch is a challenge of authentication auth (gen 1) offering creds, each at
// epoch 1, for card "card-1" at seq 1.
func ch(auth string, creds ...string) ledger.Challenge {
	c := ledger.Challenge{Auth: auth, Gen: 1, Card: "card-1", CardSeq: 1}
	for _, id := range creds {
		c.Creds = append(c.Creds, challenge.CredRef{ID: id, Epoch: 1})
	}
	return c
}

// progress is a try's report, as edge/report would queue it.
func progress(auth string) ledger.Queued {
	jti := challenge.NewID()
	return ledger.Queued{JTI: jti, Body: fmt.Sprintf(`{"jti":%q,"sub":%q,"status":"C","reason":"wrong_code","gen":1,"attempts":1}`, jti, auth)}
}

func count(l *Ledger, c ledger.Challenge, max int) (ledger.Try, error) {
	return l.Count(context.Background(), c, max, progress(c.Auth), t0.Add(time.Minute), t0)
}

// reports is the queue: jti -> body.
func reports(t *testing.T, l *Ledger) map[string]string {
	t.Helper()
	rows, err := l.DB().Query(`SELECT jti, body FROM edge_report`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var j, b string
		if err := rows.Scan(&j, &b); err != nil {
			t.Fatal(err)
		}
		out[j] = b
	}
	return out
}

// TestCountPerAuthentication is the property the edge relies on: however
// many tries arrive at once, exactly max of them are counted, each with a
// count of its own, each with its report queued.
func testCountPerAuthentication(t *testing.T, l *Ledger) {
	const workers, max = 20, 5
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		counted = map[int]bool{}
		refused int
	)
	start := make(chan struct{})
	for range workers {
		wg.Go(func() {
			<-start
			tr, err := count(l, ch("auth1", "cred-a"), max)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ledger.ErrAttempts):
				refused++
			case err != nil:
				t.Error(err)
			case counted[tr.Used]:
				t.Errorf("count %d handed out twice", tr.Used)
			default:
				counted[tr.Used] = true
			}
		})
	}
	close(start)
	wg.Wait()
	if len(counted) != max || refused != workers-max {
		t.Errorf("counted %d, refused %d; want %d and %d", len(counted), refused, max, workers-max)
	}
	if e, _ := l.Lookup(context.Background(), "auth1"); e.Attempts != max {
		t.Errorf("stored attempts %d, want %d", e.Attempts, max)
	}
	if n := len(reports(t, l)); n != max {
		t.Errorf("%d reports queued, want one per counted try (%d)", n, max)
	}
}

// TestCountPerCredential: 30 authentications of one credential, 5 tries
// each, all at once: exactly limits.FailuresPerCredential are counted in
// all; the others are refused as the credential's, not the
// authentication's.
func testCountPerCredential(t *testing.T, l *Ledger) {
	const auths, tries = 30, 5
	var (
		wg             sync.WaitGroup
		mu             sync.Mutex
		counted, cLock int
	)
	start := make(chan struct{})
	for a := range auths {
		for range tries {
			wg.Go(func() {
				<-start
				_, err := count(l, ch(fmt.Sprint("auth", a), "cred-a"), limits.AttemptsPerAuthentication)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					counted++
				case errors.Is(err, ledger.ErrCredentialLocked):
					cLock++
				default:
					t.Error(err)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	if counted != limits.FailuresPerCredential || cLock != auths*tries-counted {
		t.Errorf("counted %d, refused for the credential %d; want %d and %d", counted, cLock, limits.FailuresPerCredential, auths*tries-limits.FailuresPerCredential)
	}
	c, err := l.Credential(context.Background(), "cred-a")
	if err != nil || c.Failures != limits.FailuresPerCredential {
		t.Errorf("credential = %+v, %v; want %d failures", c, err, limits.FailuresPerCredential)
	}
}

// TestCountComparesOpenCredentialsOnly: of two tokens, one at its limit,
// a try is counted against the other alone, whose codes alone may then be
// compared.
func testCountComparesOpenCredentialsOnly(t *testing.T, l *Ledger) {
	for i := range limits.FailuresPerCredential {
		if _, err := count(l, ch(fmt.Sprint("a", i/limits.AttemptsPerAuthentication), "tok-1"), limits.AttemptsPerAuthentication); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := count(l, ch("b", "tok-1", "tok-2"), limits.AttemptsPerAuthentication)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Creds) != 1 || tr.Creds[0] != "tok-2" {
		t.Errorf("counted against %v, want [tok-2]", tr.Creds)
	}
	if c, _ := l.Credential(context.Background(), "tok-1"); c.Failures != limits.FailuresPerCredential {
		t.Errorf("tok-1 failures %d, want it left at %d", c.Failures, limits.FailuresPerCredential)
	}
}

// TestCountQueuesItsReport: the try's report carries the count after it.
func testCountQueuesItsReport(t *testing.T, l *Ledger) {
	for want := 1; want <= 3; want++ {
		tr, err := count(l, ch("a", "c"), 5)
		if err != nil {
			t.Fatal(err)
		}
		var o struct{ Attempts int }
		if err := json.Unmarshal([]byte(tr.Report.Body), &o); err != nil || o.Attempts != want || tr.Used != want {
			t.Errorf("try %d: used %d, report %s (%v)", want, tr.Used, tr.Report.Body, err)
		}
		if got := reports(t, l)[tr.Report.JTI]; got != tr.Report.Body {
			t.Errorf("queued body %q, want %q", got, tr.Report.Body)
		}
	}
}

// TestCountIsOneTransaction: when the report cannot be queued (its jti is
// taken), nothing of the try is counted.
func testCountIsOneTransaction(t *testing.T, l *Ledger) {
	ctx := context.Background()
	q := progress("a")
	if _, err := l.Count(ctx, ch("a", "c"), 5, q, t0, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Count(ctx, ch("a", "c"), 5, q, t0, t0); err == nil {
		t.Fatal("a second try with the same report jti was counted")
	}
	e, _ := l.Lookup(ctx, "a")
	c, _ := l.Credential(ctx, "c")
	if e.Attempts != 1 || c.Failures != 1 {
		t.Errorf("after the failed try: attempts %d, failures %d; want 1 and 1", e.Attempts, c.Failures)
	}
}

// TestEpochs: the issuer's word on a credential refuses the challenges
// sealed before it, from the count it says; an older or repeated word
// changes nothing.
func testEpochs(t *testing.T, l *Ledger) {
	ctx := context.Background()
	if _, err := count(l, ch("a", "c"), 5); err != nil {
		t.Fatal(err)
	}
	set := func(epoch int64, failures int) int {
		t.Helper()
		n, err := l.SetCredentials(ctx, []challenge.CredState{{ID: "c", Epoch: epoch, Failures: failures}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := set(2, limits.FailuresPerCredential); n != 1 { // locked
		t.Fatalf("lock applied to %d", n)
	}
	if _, err := count(l, ch("a", "c"), 5); !errors.Is(err, ledger.ErrCredentialLocked) {
		t.Errorf("a challenge sealed at epoch 1 after the lock: %v, want ErrCredentialLocked", err)
	}
	if n := set(2, 0); n != 0 {
		t.Errorf("the same epoch again changed %d", n)
	}
	if n := set(3, 0); n != 1 { // unlocked
		t.Fatalf("unlock applied to %d", n)
	}
	if _, err := count(l, ch("a", "c"), 5); !errors.Is(err, ledger.ErrCredentialLocked) {
		t.Errorf("a challenge sealed before the unlock: %v, want still refused", err)
	}
	fresh := ch("b", "c")
	fresh.Creds[0].Epoch = 3
	if _, err := count(l, fresh, 5); err != nil {
		t.Errorf("a challenge sealed at the new epoch: %v", err)
	}
	if n := set(1, 0); n != 0 {
		t.Errorf("an older epoch changed %d", n)
	}
	if c, _ := l.Credential(ctx, "c"); c.Epoch != 3 || c.Failures != 1 {
		t.Errorf("credential %+v, want epoch 3, 1 failure", c)
	}
}

// TestCard: a card's newer challenge supersedes the older ones, for
// counting and for handing out.
func testCard(t *testing.T, l *Ledger) {
	ctx := context.Background()
	older, newer := ch("a", "c"), ch("b", "c")
	newer.CardSeq = 2
	if err := l.SeeChallenge(ctx, older); err != nil {
		t.Fatal(err)
	}
	if err := l.SeeChallenge(ctx, newer); err != nil {
		t.Fatal(err)
	}
	if _, err := count(l, older, 5); !errors.Is(err, ledger.ErrCardSuperseded) {
		t.Errorf("a try on the older challenge: %v, want ErrCardSuperseded", err)
	}
	if err := l.SeeChallenge(ctx, older); !errors.Is(err, ledger.ErrCardSuperseded) {
		t.Errorf("the older challenge handed out again: %v, want ErrCardSuperseded", err)
	}
	if _, err := count(l, newer, 5); err != nil {
		t.Errorf("a try on the newer challenge: %v", err)
	}
}

// TestGen: a resend's generation supersedes the older tokens.
func testGen(t *testing.T, l *Ledger) {
	ctx := context.Background()
	g1, g2 := ch("a", "c"), ch("a", "c")
	g2.Gen = 2
	for _, c := range []ledger.Challenge{g1, g2, g2} { // the same gen again is fine
		if err := l.SeeChallenge(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.SeeChallenge(ctx, g1); !errors.Is(err, ledger.ErrSuperseded) {
		t.Errorf("gen 1 after gen 2: %v, want ErrSuperseded", err)
	}
	if _, err := count(l, g1, 5); !errors.Is(err, ledger.ErrSuperseded) {
		t.Errorf("a try on gen 1: %v, want ErrSuperseded", err)
	}
	if e, _ := l.Lookup(ctx, "a"); e.Gen != 2 || e.Attempts != 0 {
		t.Errorf("entry %+v, want gen 2, nothing counted", e)
	}
}

// TestRefund: a try its request takes back while its report is leased
// leaves no trace; once the lease has ended (the report may have gone to
// the issuer), it stands.
func testRefund(t *testing.T, l *Ledger) {
	ctx := context.Background()
	tr, err := count(l, ch("a", "c"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := l.Refund(ctx, "a", tr, t0.Add(30*time.Second)); err != nil || !ok {
		t.Fatalf("refund within the lease = %v, %v", ok, err)
	}
	e, _ := l.Lookup(ctx, "a")
	c, _ := l.Credential(ctx, "c")
	if e.Attempts != 0 || c.Failures != 0 || len(reports(t, l)) != 0 {
		t.Errorf("after the refund: attempts %d, failures %d, reports %d; want none", e.Attempts, c.Failures, len(reports(t, l)))
	}
	tr, err = count(l, ch("a", "c"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := l.Refund(ctx, "a", tr, t0.Add(2*time.Minute)); err != nil || ok {
		t.Fatalf("refund after the lease = %v, %v; want false", ok, err)
	}
	e, _ = l.Lookup(ctx, "a")
	if e.Attempts != 1 || len(reports(t, l)) != 1 {
		t.Errorf("after a late refund: attempts %d, reports %d; want the try to stand", e.Attempts, len(reports(t, l)))
	}
}

func ending(auth string, tr *ledger.Try, passed string) ledger.Ending {
	jti := challenge.NewID()
	e := ledger.Ending{Auth: auth, ResultJTI: jti, ResultToken: "token-" + jti, Try: tr,
		Report: ledger.Queued{JTI: jti, Body: `{"jti":"` + jti + `"}`}}
	if passed != "" {
		e.Passed, e.Proof = challenge.CredRef{ID: passed, Epoch: 1}, "proof-"+jti
	}
	return e
}

// TestEndOnce: one result per authentication, whatever races; the try's
// report is replaced by the result's.
func testEndOnce(t *testing.T, l *Ledger) {
	ctx := context.Background()
	tr, err := count(l, ch("a", "c"), 5)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		wins  []ledger.Ending
		start = make(chan struct{})
	)
	for range 10 {
		wg.Go(func() {
			<-start
			e := ending("a", &tr, "")
			_, first, err := l.End(ctx, e, t0.Add(time.Minute), t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			} else if first {
				wins = append(wins, e)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("%d results, want 1", len(wins))
	}
	q := reports(t, l)
	if _, ok := q[tr.Report.JTI]; ok || len(q) != 1 || q[wins[0].ResultJTI] == "" {
		t.Errorf("queue %v: want only the result's report", q)
	}
	e, _ := l.Lookup(ctx, "a")
	if !e.Finished || e.ResultToken != wins[0].ResultToken {
		t.Errorf("entry %+v, want finished with the winner's token", e)
	}
	if _, err := count(l, ch("a", "c"), 5); !errors.Is(err, ledger.ErrFinished) {
		t.Errorf("a try after the end: %v, want ErrFinished", err)
	}
}

// TestEndPassed: a success starts its credential's count again and takes
// the try back from the other credentials it was counted against — unless
// the issuer changed the credential since the challenge was sealed.
func testEndPassed(t *testing.T, l *Ledger) {
	ctx := context.Background()
	for range 3 {
		if _, err := count(l, ch("x", "tok-1", "tok-2"), 5); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := count(l, ch("a", "tok-1", "tok-2"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, first, err := l.End(ctx, ending("a", &tr, "tok-1"), t0, t0); err != nil || !first {
		t.Fatal(first, err)
	}
	c1, _ := l.Credential(ctx, "tok-1")
	c2, _ := l.Credential(ctx, "tok-2")
	if c1.Failures != 0 || c2.Failures != 3 {
		t.Errorf("failures tok-1 %d, tok-2 %d; want 0 and 3", c1.Failures, c2.Failures)
	}
	e, _ := l.Lookup(ctx, "a")
	if e.Proof == "" {
		t.Error("a Y with a code keeps no proof")
	}

	// The credential was locked between the try and the result.
	tr, err = count(l, ch("b", "tok-2"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.SetCredentials(ctx, []challenge.CredState{{ID: "tok-2", Epoch: 2, Failures: limits.FailuresPerCredential}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.End(ctx, ending("b", &tr, "tok-2"), t0, t0); err != nil {
		t.Fatal(err)
	}
	if c, _ := l.Credential(ctx, "tok-2"); c.Failures != limits.FailuresPerCredential {
		t.Errorf("a locked credential's count was reset to %d", c.Failures)
	}
}

func testUseStepConcurrent(t *testing.T, l *Ledger) {
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

func testUseStepSequence(t *testing.T, l *Ledger) {
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

func testLookupUnknown(t *testing.T, l *Ledger) {
	e, err := l.Lookup(context.Background(), "nope")
	if err != nil {
		t.Fatal(err)
	}
	if e != (ledger.Entry{}) {
		t.Errorf("unknown id: %+v, want zero entry", e)
	}
}

// TestPrune: what nothing refers to any more goes; a credential's wrong
// codes stay, or pruning would hand an attacker a fresh count.
func testPrune(t *testing.T, l *Ledger) {
	ctx := context.Background()
	if err := l.SeeChallenge(ctx, ch("old", "c")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.UseStep(ctx, "cred", 100); err != nil {
		t.Fatal(err)
	}
	if _, err := count(l, ch("other", "counted"), 5); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Prune(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("prune of recent entries = (%d, %v), want (0, nil)", n, err)
	}
	// old and other (authentications), cred (a step, no failures), card-1.
	if n, err := l.Prune(ctx, time.Now().Add(time.Hour)); err != nil || n != 4 {
		t.Errorf("prune = (%d, %v), want (4, nil)", n, err)
	}
	if e, _ := l.Lookup(ctx, "old"); e != (ledger.Entry{}) {
		t.Errorf("pruned entry still there: %+v", e)
	}
	if ok, err := l.UseStep(ctx, "cred", 100); err != nil || !ok {
		t.Errorf("UseStep after prune = (%v, %v), want (true, nil)", ok, err)
	}
	if c, _ := l.Credential(ctx, "counted"); c.Failures != 1 {
		t.Errorf("a credential's wrong codes were pruned: %+v", c)
	}
}

// TestPruneTables: each table loses exactly its rows untouched since
// before the cut (one second before it goes, one at it stays), in batches
// when there are more than one batch holds; a dry run counts them and
// deletes nothing.
func testPruneTables(t *testing.T, l *Ledger) {
	ctx := context.Background()
	cut := time.Unix(1_800_000_000, 0)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := l.DB().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 25 {
		exec(`INSERT INTO edge_auth (id, result_jti, updated) VALUES (?1, 'jti', ?2)`, fmt.Sprint("old-", i), cut.Unix()-1)
	}
	exec(`INSERT INTO edge_auth (id, updated) VALUES ('open-old', ?1)`, cut.Unix()-1) // never finished: goes too
	exec(`INSERT INTO edge_auth (id, result_jti, updated) VALUES ('new', 'jti', ?1)`, cut.Unix())
	exec(`INSERT INTO edge_cred (cred, last_step, failures, updated) VALUES ('clean', 1, 0, ?1), ('failed', 1, 3, ?1), ('new', 1, 0, ?2)`,
		cut.Unix()-1, cut.Unix())
	exec(`INSERT INTO edge_card (card, seq, updated) VALUES ('old', 1, ?1), ('new', 1, ?2)`, cut.Unix()-1, cut.Unix())
	exec(`INSERT INTO edge_report (jti, body, due, created, dead) VALUES ('owed', '{}', 0, 0, 0), ('aside', '{}', 0, 0, 1)`)

	want := "[{edge_auth 26} {edge_cred 1} {edge_card 1}]"
	got, err := l.PruneTables(ctx, cut, 10, true)
	if err != nil || fmt.Sprint(got) != want {
		t.Fatalf("dry run = %v, %v; want %s", got, err, want)
	}
	left := func() string {
		var a, c, d, r int
		for q, n := range map[string]*int{"edge_auth": &a, "edge_cred": &c, "edge_card": &d, "edge_report": &r} {
			if err := l.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+q).Scan(n); err != nil {
				t.Fatal(err)
			}
		}
		return fmt.Sprint(a, c, d, r)
	}
	if n := left(); n != "27 3 2 2" {
		t.Errorf("a dry run deleted: rows left %s", n)
	}
	got, err = l.PruneTables(ctx, cut, 10, false) // edge_auth in three batches
	if err != nil || fmt.Sprint(got) != want {
		t.Fatalf("prune = %v, %v; want %s", got, err, want)
	}
	if n := left(); n != "1 2 1 2" {
		t.Errorf("rows left %s, want 1 2 1 2 (new auth; failed and new creds; new card; both reports)", n)
	}
	for _, id := range []string{"new"} {
		if e, _ := l.Lookup(ctx, id); !e.Finished {
			t.Errorf("entry %s at the cut was pruned", id)
		}
	}
	if c, _ := l.Credential(ctx, "failed"); c.Failures != 3 {
		t.Errorf("a credential's wrong codes were pruned: %+v", c)
	}
	if _, err := l.PruneTables(ctx, cut, 0, false); err == nil {
		t.Error("batch 0 accepted")
	}
}

// Ledger is a ledger under test and the database it keeps its rows in,
// which some tests read and write directly.
type Ledger struct {
	*ledger.SQL
	db *sql.DB
}

// New returns the Ledger of l over db.
func New(l *ledger.SQL, db *sql.DB) *Ledger { return &Ledger{SQL: l, db: db} }

// DB returns the ledger's database.
func (l *Ledger) DB() *sql.DB { return l.db }

// Run runs every behaviour test of the ledger as a subtest, each on a
// fresh ledger from open (empty, migrated, closed when its test ends).
func Run(t *testing.T, open func(t testing.TB) *Ledger) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, *Ledger)
	}{
		{"CountPerAuthentication", testCountPerAuthentication},
		{"CountPerCredential", testCountPerCredential},
		{"CountComparesOpenCredentialsOnly", testCountComparesOpenCredentialsOnly},
		{"CountQueuesItsReport", testCountQueuesItsReport},
		{"CountIsOneTransaction", testCountIsOneTransaction},
		{"Epochs", testEpochs},
		{"Card", testCard},
		{"Gen", testGen},
		{"Refund", testRefund},
		{"EndOnce", testEndOnce},
		{"EndPassed", testEndPassed},
		{"UseStepConcurrent", testUseStepConcurrent},
		{"UseStepSequence", testUseStepSequence},
		{"LookupUnknown", testLookupUnknown},
		{"Prune", testPrune},
		{"PruneTables", testPruneTables},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

// Challenge is a challenge of authentication auth (gen 1) offering creds,
// each at epoch 1, for card "card-1" at seq 1.
func Challenge(auth string, creds ...string) ledger.Challenge { return ch(auth, creds...) }

// Progress is a try's report, as edge/report would queue it.
func Progress(auth string) ledger.Queued { return progress(auth) }

// Count counts a try of c at time T0, its report leased for a minute.
func Count(l *ledger.SQL, c ledger.Challenge, max int) (ledger.Try, error) {
	return l.Count(context.Background(), c, max, progress(c.Auth), T0.Add(time.Minute), T0)
}

// T0 is the tests' time.
var T0 = t0
