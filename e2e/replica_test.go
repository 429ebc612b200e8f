package e2e

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to read the databases

	"github.com/honnin/honnin/e2e/stack"
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
//   - an issuer killed mid-purchase: the purchase completes through the
//     other.
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
