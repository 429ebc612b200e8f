package e2e

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to read the databases

	"github.com/honnin/honnin/e2e/stack"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// replicaPortOffset moves the replica stack's ports clear of the suite's
// stack (and of the attack stack's, at 200); its replicas listen 10 and 20
// ports above its own (stack.Replicas).
const replicaPortOffset = 50

// replicaPG is the PostgreSQL cluster the replica test starts (pgtest:
// without PostgreSQL the test skips, and fails when CI=true).
var replicaPG pgtest.Shared

// TestReplicas (issue 17): two issuers and two native edges on one
// PostgreSQL, each pair behind a round-robin proxy, driven through the
// real processes with the merchant API and the challenge API:
//
//   - one authentication's wrong codes, alternating between the edges,
//     are counted up to its limit (5), not to 5 per edge;
//   - every outcome reaches the issuer once, and the edges' shared queue
//     ends empty;
//   - each code mail is sent once, with two issuers draining one outbox;
//   - the portal (replicaPortal): a cardholder signs in, changes a
//     setting and signs out with every request on the other issuer; the
//     session and its end hold on both, the sign-in code's tries are
//     counted once across both;
//   - PostgreSQL restarted under load: purchases around the outage get a
//     clear refusal within the page's wait, and succeed again once it is
//     back, without restarting any process;
//   - an issuer killed mid-purchase: the purchase completes through the
//     other.
//
// serverError is a 500 in a purchase's failure: the edge's start or verify
// ("start: 500 {…}").
var serverError = regexp.MustCompile(`\b[a-z]+: 500\b`)

func TestReplicas(t *testing.T) {
	needStack(t)
	t.Cleanup(replicaPG.Stop)
	issuerDB := replicaPG.Database(t)
	edgeDB := replicaPG.Database(t)
	logf, err := os.Create(filepath.Join(artifacts(), "stack-replicas.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := stack.StartReplicas(ctx, stack.Config{Bin: os.Getenv("HONNIN_BIN"), Dist: os.Getenv("HONNIN_DIST"),
		State: filepath.Join(t.TempDir(), "replicas"), Ports: testPorts.Shift(replicaPortOffset), Log: logf,
		RiskConfig: e2eRiskConfig, IssuerDB: issuerDB}, edgeDB)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	x := &atk{t: t, s: r.Stack, apiKey: r.APIKey}
	idb, edb := pgOpen(t, issuerDB), pgOpen(t, edgeDB)

	t.Run("attempts", func(t *testing.T) {
		x := x.in(t)
		card := x.enrol("email", enrolOpts{})
		id, session := x.createAuth(card.Number, 1200)
		a := x.start(session)
		if !a.challenge() {
			t.Fatalf("start: %v", a)
		}
		compared := 0
		for range 2 * limits.AttemptsPerAuthentication {
			v := x.verify(a.ChallengeToken, "000000")
			if v.compared() {
				compared++
			}
			if v.challenge() && v.ChallengeToken != "" {
				a.ChallengeToken = v.ChallengeToken
			}
		}
		if compared != limits.AttemptsPerAuthentication {
			t.Errorf("%d wrong codes compared across the two edges, want %d", compared, limits.AttemptsPerAuthentication)
		}
		// Every outcome reaches the issuer, once: the wrong codes'
		// reports charge the credential 5 in all (a report delivered again
		// charges nothing: the issuer keeps the total it has seen), the
		// final one is one result; and the edges' shared queue ends empty.
		var seen, results, charged int
		waitFor(t, "the edges' reports at the issuer", 30*time.Second, func() bool {
			if err := idb.QueryRow(`SELECT failures_seen, (SELECT COUNT(*) FROM results WHERE authentication_id = $1),
				(SELECT COALESCE(SUM(CAST(detail->>'charged' AS BIGINT)), 0) FROM audit WHERE authentication_id = $1 AND action = 'attempts')
				FROM authentications WHERE id = $1`, id).Scan(&seen, &results, &charged); err != nil {
				t.Fatal(err)
			}
			return seen >= limits.AttemptsPerAuthentication && results > 0 && queued(t, edb) == 0
		})
		if seen != limits.AttemptsPerAuthentication || charged != limits.AttemptsPerAuthentication || results != 1 {
			t.Errorf("issuer saw %d wrong codes, charged %d, recorded %d results; want %d, %d, 1",
				seen, charged, results, limits.AttemptsPerAuthentication, limits.AttemptsPerAuthentication)
		}
		for _, c := range x.credentials(card.Number) {
			if c.Failures != limits.AttemptsPerAuthentication {
				t.Errorf("credential %s: %d failures at the issuer, want %d", c.ID, c.Failures, limits.AttemptsPerAuthentication)
			}
		}
		if m := x.merchantGet(id); m.Status != "N" {
			t.Errorf("authentication after %d wrong codes: %+v, want N", limits.AttemptsPerAuthentication, m)
		}
	})

	t.Run("mails", func(t *testing.T) {
		x := x.in(t)
		const n = 8
		var cards []ownCard
		for range n {
			card := x.enrol("email", enrolOpts{})
			_, session := x.createAuth(card.Number, 800)
			if a := x.start(session); !a.challenge() {
				t.Fatalf("start: %v", a)
			}
			cards = append(cards, card)
		}
		for _, c := range cards {
			x.waitMail(c.Email, 0)
		}
		// The outbox is drained: nothing left to send, so a second copy
		// would have been sent by now.
		waitFor(t, "the outbox drained", 30*time.Second, func() bool {
			var left int
			if err := idb.QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'pending'`).Scan(&left); err != nil {
				t.Fatal(err)
			}
			return left == 0
		})
		for _, c := range cards {
			if ms := x.mails(c.Email); len(ms) != 1 {
				t.Errorf("%s got %d mails for one start, want 1", c.Email, len(ms))
			}
		}
	})

	t.Run("portal", func(t *testing.T) { replicaPortal(t, x.in(t), r) })

	t.Run("postgres restarted under load", func(t *testing.T) {
		x := x.in(t)
		var cards []ownCard
		for range 6 {
			cards = append(cards, x.enrol("email", enrolOpts{}))
		}
		// Six cardholders buy in a loop, each purchase a create and a
		// start through the proxies, while PostgreSQL stops for 2 s and
		// comes back. Every answer is kept with when it came.
		type try struct {
			at   time.Time
			took time.Duration
			err  string // "" for the challenge screen with the code sent
		}
		var mu sync.Mutex
		var tries []try
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, c := range cards {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					t0 := time.Now()
					_, session, err := x.tryCreateAuth(c.Number, 900)
					e := ""
					if err != nil {
						e = err.Error()
					} else if a := x.start(session); !a.challenge() || a.Display.Delivery != contract.DeliverySent {
						e = "start: " + a.String()
					}
					mu.Lock()
					tries = append(tries, try{t0, time.Since(t0), e})
					mu.Unlock()
					if e != "" {
						time.Sleep(50 * time.Millisecond)
					}
				}
			})
		}
		time.Sleep(time.Second)
		var downAt, upAt time.Time
		replicaPG.Restart(t, func() { downAt = time.Now(); time.Sleep(2 * time.Second) })
		upAt = time.Now()
		// Until six purchases in a row succeed after the restart, or 30 s.
		waitFor(t, "purchases to succeed again after the restart", 30*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			ok := 0
			for _, tr := range tries {
				if tr.at.After(upAt) && tr.err == "" {
					ok++
				}
			}
			return ok >= 6
		})
		close(stop)
		wg.Wait()
		var before, during, failed int
		kinds := map[string]int{}
		for _, tr := range tries {
			if tr.took >= contract.ClientWait {
				t.Errorf("a purchase waited %v (from %v), longer than the page waits (%v)", tr.took, tr.at.Sub(downAt).Round(time.Millisecond), contract.ClientWait)
			}
			switch {
			case tr.err == "" && tr.at.Before(downAt):
				before++
			case tr.err != "":
				failed++
				k := tr.err
				if i := strings.Index(k, "{"); i > 0 {
					k = k[:i] // the status, without the body's message
				}
				kinds[strings.TrimSpace(k)]++
				// A clear refusal from the issuer or the edge, never a
				// connection cut or an answer the client cannot read.
				// The merchant's create ("500 Internal") or the edge's
				// start or verify ("start: 500"): the issuer's store and
				// the edge's ledger both answer 503 unavailable.
				if strings.Contains(tr.err, "500 Internal") || serverError.MatchString(tr.err) {
					t.Errorf("during the restart a 500, want 503 unavailable with Retry-After: %s", tr.err)
				}
				if strings.Contains(tr.err, "EOF") || strings.Contains(tr.err, "connection reset") || strings.Contains(tr.err, "unreadable") || strings.Contains(tr.err, "no answer") {
					t.Errorf("during the restart a purchase got no clear answer: %s", tr.err)
				}
				if tr.at.After(upAt.Add(10 * time.Second)) {
					t.Errorf("a purchase failed %v after PostgreSQL was back: %s", tr.at.Sub(upAt).Round(time.Millisecond), tr.err)
				}
			default:
				during++
			}
		}
		t.Logf("PostgreSQL down %v: %d purchases before, %d failed clearly around the restart (%v), %d succeeded during and after; no process restarted",
			upAt.Sub(downAt).Round(time.Millisecond), before, failed, kinds, during)
		if before == 0 {
			t.Error("no purchase succeeded before the restart: the load never ran")
		}

		// And a whole purchase still pays, through the same processes.
		card := cards[0]
		seen := len(x.mails(card.Email))
		id, session := x.createAuth(card.Number, 1500)
		a2 := x.start(session)
		if !a2.challenge() {
			t.Fatalf("start after the restart: %v", a2)
		}
		if v := x.verify(a2.ChallengeToken, x.nextCode(card.Email, seen)); !v.result() || v.Status != "Y" {
			t.Fatalf("the right code after the restart: %v, want Y", v)
		}
		waitFor(t, "the merchant to read Y", 30*time.Second, func() bool { return x.merchantGet(id).Status == "Y" })
	})

	t.Run("issuer killed mid-purchase", func(t *testing.T) {
		x := x.in(t)
		card := x.enrol("email", enrolOpts{})
		id, session := x.createAuth(card.Number, 3300)
		a := x.start(session)
		if !a.challenge() {
			t.Fatalf("start: %v", a)
		}
		code := x.nextCode(card.Email, 0)
		if err := r.Kill(r.Issuers[0]); err != nil {
			t.Fatal(err)
		}
		v := x.verify(a.ChallengeToken, code)
		if !v.result() || v.Status != "Y" {
			t.Fatalf("the right code with %s down: %v, want a Y result", r.Issuers[0], v)
		}
		waitFor(t, "the Y at the issuer that is left", 30*time.Second, func() bool { return x.merchantGet(id).Status == "Y" })
	})
}

// pgOpen opens the PostgreSQL database at url for the test to read.
func pgOpen(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queued is how many reports the edges' shared queue holds.
func queued(t *testing.T, edb *sql.DB) int {
	t.Helper()
	var n int
	if err := edb.QueryRow(`SELECT COUNT(*) FROM edge_report`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
