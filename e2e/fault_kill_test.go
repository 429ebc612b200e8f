package e2e

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/merchant"
)

// killIssuer SIGKILLs the fault stack's issuer, and restarts it when the
// test ends if the test did not.
func (x *atk) killIssuer() {
	x.t.Helper()
	if err := x.s.Signal("issuer", syscall.SIGKILL); err != nil {
		x.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	x.s.Wait(ctx, "issuer") // killed: its error is the signal
	x.restoreIssuer()
}

// issuerResults is how many results, and how many wrong codes the issuer
// has seen, for authentication id, read from the fault stack's database.
func (x *atk) issuerResults(id string) (results, seen int) {
	x.t.Helper()
	db := x.issuerDB()
	defer db.Close()
	if err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM results WHERE authentication_id = ?1), failures_seen
		FROM authentications WHERE id = ?1`, id).Scan(&results, &seen); err != nil {
		x.t.Fatalf("the issuer's record of %s: %v", id, err)
	}
	return results, seen
}

// TestFaultIssuerKilledBetweenStartAndVerify: the issuer is SIGKILLed
// after the challenge started. The cardholder's right code still gives Y
// at the edge, and the merchant verifies the result token with the edge's
// key set while the issuer is down; after the issuer's restart the outcome
// reaches it exactly once and the merchant's status API reads Y.
func TestFaultIssuerKilledBetweenStartAndVerify(t *testing.T) {
	x := newFault(t)
	card := x.enrol("email", enrolOpts{})
	id, a := x.open(card.Number, 2100)
	code := x.nextCode(card.Email, 0)
	x.killIssuer()

	v := x.verify(a.ChallengeToken, code)
	if !v.result() || v.Status != "Y" {
		t.Fatalf("the right code with the issuer killed: %v, want a Y result", v)
	}
	ver, err := merchant.NewVerifier(x.s.EdgeURL+"/.well-known/jwks.json", x.s.ShopURL)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ver.Verify(context.Background(), v.ResultToken, id)
	if err != nil || res.Status != "Y" {
		t.Fatalf("the merchant's check of the result with the issuer down: %+v, %v", res, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := x.s.RestartIssuer(ctx, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the merchant to read Y after the issuer's restart", 45*time.Second, func() bool { return x.merchantGet(id).Status == "Y" })
	if results, _ := x.issuerResults(id); results != 1 {
		t.Errorf("the issuer recorded %d results, want 1", results)
	}
}

// TestFaultEdgeKilledWithReportsQueued: with the issuer down, three
// cardholders finish at the edge (two wrong codes, then the right one);
// their outcomes wait in the edge's queue. The edge is SIGKILLed, then
// the issuer and the edge start again: every outcome reaches the issuer,
// once (one result, two wrong codes seen), and the queue empties.
func TestFaultEdgeKilledWithReportsQueued(t *testing.T) {
	x := newFault(t)
	type purchase struct {
		card      ownCard
		id, token string
		code      string
	}
	var ps []purchase
	for i := range 3 {
		card := x.enrol("email", enrolOpts{})
		id, a := x.open(card.Number, int64(2200+i))
		ps = append(ps, purchase{card, id, a.ChallengeToken, x.nextCode(card.Email, 0)})
	}
	x.killIssuer()
	var ids []string
	for _, p := range ps {
		for range 2 {
			if v := x.verify(p.token, wrongCode(p.code)); !v.compared() {
				t.Fatalf("a wrong code with the issuer down: %v", v)
			}
		}
		if v := x.verify(p.token, p.code); !v.result() || v.Status != "Y" {
			t.Fatalf("the right code with the issuer down: %v", v)
		}
		ids = append(ids, p.id)
	}
	edb := edgeDBIn(t, filepath.Join(stateDir, "fault"))
	queued := func() int {
		var n int
		if err := edb.QueryRow(`SELECT COUNT(*) FROM edge_report WHERE dead = 0`).Scan(&n); err != nil {
			t.Fatalf("the edge's queue: %v", err)
		}
		return n
	}
	if n := queued(); n < len(ps) {
		t.Fatalf("%d reports queued at the edge with the issuer down, want at least %d", n, len(ps))
	}
	edb.Close()

	if err := x.s.Signal("edge", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	x.s.Wait(ctx, "edge")
	if err := x.s.RestartIssuer(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := x.s.RestartEdge(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		waitFor(t, "the queued Y of "+p.id+" at the issuer", 60*time.Second, func() bool { return x.merchantGet(p.id).Status == "Y" })
		if results, seen := x.issuerResults(p.id); results != 1 || seen != 2 {
			t.Errorf("%s at the issuer: %d results, %d wrong codes seen; want 1 and 2", p.id, results, seen)
		}
	}
	edb = edgeDBIn(t, filepath.Join(stateDir, "fault"))
	defer edb.Close()
	waitFor(t, "the edge's queue to empty", 60*time.Second, func() bool { return queued() == 0 })
}
