package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/challenge/challengetest"
	"github.com/honnin/honnin/edge/health"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/ledger/sqlite"
)

// TestLedgerReady: a ledger that takes writes is ready; the same file
// opened read-only (as after a disk turned read-only) is not, and says
// it was the write that failed.
func TestLedgerReady(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edge.db")
	l, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := ledgerReady(context.Background(), l.DB()); err != nil {
		t.Fatalf("writable ledger: %v", err)
	}
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ledgerReady(context.Background(), ro); err == nil || !strings.Contains(err.Error(), "write") {
		t.Fatalf("read-only ledger: %v, want a write error", err)
	}
}

// TestAdminOff: without -admin-addr nothing is timed or served.
func TestAdminOff(t *testing.T) {
	var a *admin = newAdmin("", time.Now())
	b := ledger.TxBatcher{}
	if a.batcher(b) != ledger.Batcher(b) || a.onRequest() != nil {
		t.Error("an edge without an admin listener wraps its ledger or counts requests")
	}
	if stop, err := a.serve("", false, nil, nil, health.Check{}, nil); err != nil || stop == nil {
		t.Errorf("serve without an address: %v", err)
	}
}

// TestAdminServes: the listener answers readiness from the ledger and
// serves the edge's metrics, the ledger's timed batches among them.
func TestAdminServes(t *testing.T) {
	l, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a := newAdmin("127.0.0.1:0", time.Now())
	timed := ledger.NewSQL(a.batcher(ledger.TxBatcher{DB: l.DB()}))
	if _, err := timed.Lookup(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	a.onRequest()("POST /v1/verify", 200, time.Millisecond)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	stop, bound, err := a.listen("127.0.0.1:0", false, l.DB(), nil, keysCheck(t), log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for path, want := range map[string]string{
		"/readyz":  `"keys":"ok","ledger":"ok"`,
		"/metrics": `honnin_edge_ledger_batch_duration_seconds_count{statements="1",result="ok"} 1`,
	} {
		resp, err := http.Get("http://" + bound + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d\n%s\nwant %s", path, resp.StatusCode, body, want)
		}
	}
	if resp, err := http.Get("http://" + bound + "/debug/pprof/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("pprof served without -pprof: %d", resp.StatusCode)
		}
	}
}

// keysCheck is the "keys" check of a fresh key folder's edge keys.
func keysCheck(t *testing.T) health.Check {
	t.Helper()
	_, _, k := challengetest.Keys(t, challenge.KEMX25519)
	return health.EdgeKeys(func() challenge.EdgeKeys { return k }, time.Now)
}

// TestAdminKeysNotReady: an edge whose keys cannot serve (here: no issuer
// key to check session tokens with) is not ready, and readyz names the
// keys while the ledger is fine.
func TestAdminKeysNotReady(t *testing.T) {
	l, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, _, k := challengetest.Keys(t, challenge.KEMX25519)
	k.Issuer = nil
	a := newAdmin("127.0.0.1:0", time.Now())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	stop, bound, err := a.listen("127.0.0.1:0", false, l.DB(), nil, health.EdgeKeys(func() challenge.EdgeKeys { return k }, time.Now), log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + bound + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep health.Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || rep.Checks["ledger"] != "ok" || !strings.HasPrefix(rep.Checks["keys"], "keys: no issuer verification keys") {
		t.Errorf("readyz with no issuer key: %d %+v, want 503 naming the keys", resp.StatusCode, rep)
	}
}
