package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the driver the edge's ledger files use

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/ledger"
)

// Scenario 10: outcomes lost between the edge and the issuer. With the
// edge's clock 30 s ahead, then 30 s behind, wrong codes and a Y all reach
// the issuer; and of wrong codes from clients that hang up mid-verify,
// every one the edge counted reaches the issuer.
func TestAttackLostOutcomes(t *testing.T) {
	x := newAttack(t)
	// trueClock is whether the edge's clock is right: false from the start
	// of a restart until one to the true time succeeds, so that the
	// cleanup tries again and a failed restart does not leave the next
	// tests an edge whose clock is off.
	trueClock := true
	restart := func(t *testing.T, d time.Duration) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		trueClock = false
		if err := x.s.RestartEdge(ctx, d); err != nil {
			t.Fatalf("restart the edge with its clock off by %s: %v", d, err)
		}
		trueClock = d == 0
	}
	t.Cleanup(func() {
		if !trueClock {
			restart(t, 0)
		}
	})
	for _, d := range []time.Duration{30 * time.Second, -30 * time.Second} {
		t.Run(fmt.Sprintf("edge clock %+v", d), func(t *testing.T) {
			restart(t, d)
			x.in(t).skewed(d)
		})
	}
	restart(t, 0)
	t.Run("clients hang up mid-verify", func(t *testing.T) { x.in(t).hangUps(120) })
}

// skewed runs a challenge through the edge whose clock is off by d: three
// wrong codes, then the right one; the issuer must count the three and
// record the Y.
func (x *atk) skewed(d time.Duration) {
	t := x.t
	card := x.enrol("email", enrolOpts{})
	seen := len(x.mails(card.Email))
	id, c := x.open(card.Number, 1250)
	code := x.nextCode(card.Email, seen)
	for i := range 3 {
		if a := x.verify(c.ChallengeToken, wrongCode(code)); !a.compared() {
			t.Fatalf("wrong code %d: %v", i+1, a)
		}
	}
	var failures int
	deadline := time.Now().Add(30 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if failures = x.credentialOf(card.Number, "email", "").Failures; failures >= 3 {
			break
		}
	}
	t.Logf("edge clock %+v: the issuer counted %d of 3 wrong codes", d, failures)
	if failures != 3 {
		t.Errorf("edge clock %+v: the issuer counted %d of 3 wrong codes", d, failures)
	}
	y := x.verify(c.ChallengeToken, code)
	if !y.result() || y.Status != "Y" {
		t.Fatalf("the right code: %v, want Y", y)
	}
	iat, _ := tokenClaims(y.ResultToken)["iat"].(float64)
	if skew := time.Unix(int64(iat), 0).Sub(time.Now().Add(d)); skew < -10*time.Second || skew > 10*time.Second {
		t.Errorf("the result token's iat %s is not the edge's clock off by %+v: the offset was not applied",
			time.Unix(int64(iat), 0).UTC().Format(time.TimeOnly), d)
	}
	var v merchantAuth
	deadline = time.Now().Add(30 * time.Second)
	for v = x.merchantGet(id); v.Status != "Y" && time.Now().Before(deadline); v = x.merchantGet(id) {
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("edge clock %+v: the issuer has %s for the Y", d, v.Status)
	if v.Status != "Y" {
		t.Errorf("edge clock %+v: the issuer has %s, want the edge's Y", d, v.Status)
	}
}

// hangUpStep spreads the hang-ups over the first milliseconds of a
// verify (0 to 7 steps after the request is out).
var hangUpStep = time.Millisecond

// hangUps opens a challenge on each of n fresh cards and sends a wrong
// code to each from a client that closes the connection as soon as the
// request is out, or a few milliseconds later; once nothing can change
// any more, the issuer's failure count of each card's credential must
// equal the wrong codes the edge counted. One verify per authentication: a later report of
// the same authentication carries its running count and would hide a lost
// one.
func (x *atk) hangUps(n int) {
	t := x.t
	type target struct {
		card                 ownCard
		id, challenge, wrong string
	}
	targets := make([]target, n)
	t0 := time.Now()
	for i := range targets {
		card := x.enrol("email", enrolOpts{})
		id, c := x.open(card.Number, int64(1000+i))
		targets[i] = target{card: card, id: id, challenge: c.ChallengeToken}
	}
	for i, tg := range targets {
		targets[i].wrong = wrongCode(x.nextCode(tg.card.Email, 0))
	}
	t.Logf("%d cards enrolled and challenged in %s", n, time.Since(t0).Round(time.Millisecond))
	u, err := url.Parse(x.s.EdgeURL)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", u.Port())
	var sent atomic.Int64
	parallel(n, 16, func(i int) {
		tg := targets[i]
		body, _ := json.Marshal(map[string]string{"challenge_token": tg.challenge, "code": tg.wrong})
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Errorf("dial the edge: %v", err)
			return
		}
		fmt.Fprintf(c, "POST /v1/verify HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			u.Host, len(body), body)
		// Hang up at once, or a moment later: somewhere inside the
		// edge's work on the request.
		time.Sleep(time.Duration(i%8) * hangUpStep)
		c.Close()
		sent.Add(1)
	})

	ids := make([]string, n)
	for i, tg := range targets {
		ids[i] = tg.id
	}
	// Absence of a lost outcome is proven once nothing can change any
	// more. First the edge is let finish on its own: take the requests
	// still waiting for it (a stop drops those it has not read) and
	// deliver what it queued (a delivery the stop cuts short waits for its
	// lease to end, 45 s). That only keeps the sample whole and spares the
	// wait; what makes the counts final is the graceful stop and start
	// that follow: the edge finishes every verify it is still working on
	// (a handler whose client hung up runs on; one the stop cuts short, in
	// workerd, has counted and queued its report in one batch, or done
	// neither). Then every count's report has reached the issuer once the
	// edge's report queue holds none of these authentications' reports: a
	// report leaves it only when the issuer has taken it.
	last, still := -1, 0
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		pending, _ := x.edgeQueue(ids)
		counted := 0
		for _, a := range x.edgeAttempts(ids) {
			counted += a
		}
		if counted == last && counted > 0 {
			still++
		} else {
			last, still = counted, 0
		}
		if pending == 0 && still >= 5 { // nothing new for a second
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := x.s.RestartEdge(ctx, 0); err != nil {
		t.Fatalf("restart the edge: %v", err)
	}
	waitFor(t, "the edge to deliver the hung-up verifies' reports", 90*time.Second, func() bool {
		pending, _ := x.edgeQueue(ids)
		return pending == 0
	})
	edge := x.edgeAttempts(ids)
	var counted, reported int
	for _, tg := range targets {
		issuer := x.credentialOf(tg.card.Number, "email", "").Failures
		counted += edge[tg.id]
		reported += issuer
		if edge[tg.id] != issuer {
			t.Errorf("card %s: the edge counted %d wrong codes, the issuer %d", tg.card.Number, edge[tg.id], issuer)
		}
	}
	_, dead := x.edgeQueue(ids)
	t.Logf("%d wrong codes sent by clients that hung up: the edge counted %d, the issuer %d (lost %d; reports the issuer refused: %d)",
		sent.Load(), counted, reported, counted-reported, dead)
}

// edgeDB opens the attack stack's edge database: natively edge.db, in
// workerd the local D1 database's SQLite file.
func (x *atk) edgeDB() *sql.DB {
	x.t.Helper()
	return edgeDBIn(x.t, attackState)
}

// issuerDB opens the stack's issuer database read-only (SQLite: the
// attack and fault stacks run on it), for a test to read what the issuer
// recorded. The caller closes it.
func (x *atk) issuerDB() *sql.DB {
	x.t.Helper()
	path := x.s.IssuerDBFile()
	if path == "" {
		x.t.Fatal("the stack's issuer runs on PostgreSQL: no file to read")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		x.t.Fatal(err)
	}
	return db
}

// edgeDBIn opens the edge database of the stack whose state folder is
// state.
func edgeDBIn(t *testing.T, state string) *sql.DB {
	t.Helper()
	path := filepath.Join(state, "edge.db")
	if edgeRuntime() == "workerd" {
		files, _ := filepath.Glob(filepath.Join(state, "workerd", "state", "v3", "d1", "*", "*.sqlite"))
		var dbs []string
		for _, f := range files {
			if !strings.HasSuffix(f, "metadata.sqlite") {
				dbs = append(dbs, f)
			}
		}
		if len(dbs) != 1 {
			t.Fatalf("want one local D1 database, found %q", files)
		}
		path = dbs[0]
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// edgeQueue is how many outcome reports of the authentications ids the
// attack stack's edge has queued for the issuer (pending), and how many of
// them the issuer refused for good (dead). Reports of other tests'
// authentications may wait there on their own schedule (backoff, leases).
func (x *atk) edgeQueue(ids []string) (pending, dead int) {
	x.t.Helper()
	db := x.edgeDB()
	defer db.Close()
	rows, err := db.Query(`SELECT body, dead FROM edge_report`)
	if err != nil {
		x.t.Fatalf("the edge's report queue: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		var isDead int
		if err := rows.Scan(&body, &isDead); err != nil {
			x.t.Fatalf("the edge's report queue: %v", err)
		}
		var o contract.Outcome
		if err := json.Unmarshal([]byte(body), &o); err != nil {
			x.t.Fatalf("the edge's report queue: %q: %v", body, err)
		}
		switch {
		case !slices.Contains(ids, o.Sub):
		case isDead != 0:
			dead++
		default:
			pending++
		}
	}
	if err := rows.Err(); err != nil {
		x.t.Fatalf("the edge's report queue: %v", err)
	}
	return pending, dead
}

// edgeAttempts reads the wrong codes the edge counted for each
// authentication from its ledger.
func (x *atk) edgeAttempts(ids []string) map[string]int {
	x.t.Helper()
	db := x.edgeDB()
	defer db.Close()
	l := ledger.NewSQL(ledger.TxBatcher{DB: db})
	out := map[string]int{}
	for _, id := range ids {
		e, err := l.Lookup(context.Background(), id)
		if err != nil {
			x.t.Fatalf("the edge's ledger: %v", err)
		}
		out[id] = e.Attempts
	}
	return out
}

// awaitEdgeEpochs waits until the attack stack's edge has been told the
// issuer's newest state of every credential authentication id offers (the
// issuer pushes each change: issuer/edgepush): after it, the edge judges
// with the change, exactly. It fails after 30 s, which no push on a
// working stack comes near.
func (x *atk) awaitEdgeEpochs(id string) {
	x.t.Helper()
	idb := x.issuerDB()
	defer idb.Close()
	want := map[string]int64{}
	rows, err := idb.Query(`SELECT c.public_id, c.epoch FROM authentications a, json_each(a.creds) j
		JOIN credentials c ON c.public_id = j.value WHERE a.id = ?`, id)
	if err != nil {
		x.t.Fatalf("the issuer's credentials of %s: %v", id, err)
	}
	for rows.Next() {
		var cred string
		var epoch int64
		if err := rows.Scan(&cred, &epoch); err != nil {
			x.t.Fatal(err)
		}
		want[cred] = epoch
	}
	rows.Close()
	if len(want) == 0 {
		x.t.Fatalf("authentication %s offers no credential", id)
	}
	edb := x.edgeDB()
	defer edb.Close()
	deadline := time.Now().Add(30 * time.Second)
	for cred, epoch := range want {
		for {
			var got int64
			err := edb.QueryRow(`SELECT epoch FROM edge_cred WHERE cred = ?`, cred).Scan(&got)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				x.t.Fatalf("the edge's ledger: %v", err)
			}
			if got >= epoch {
				break
			}
			if time.Now().After(deadline) {
				x.t.Fatalf("credential %s: the edge knows epoch %d, the issuer is at %d after 30 s", cred, got, epoch)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
