package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store"
)

// TestPruneCommand: -dry-run counts and changes nothing; the prune
// removes what it counted and prints it per rule; a second run finds
// nothing.
func TestPruneCommand(t *testing.T) { forEachDatabase(t, testPruneCommand) }

func testPruneCommand(t *testing.T, db string) {
	ctx := context.Background()
	st, _, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.CreateMerchant(ctx, issuer.Merchant{Name: "Shop", APIKeyHash: make([]byte, 32), CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	create := func(status string, at time.Time) string {
		a, err := st.CreateAuthentication(ctx, issuer.Authentication{MerchantID: m.ID, Amount: 100, Currency: "JPY",
			MerchantName: "Shop", MerchantOrigin: "https://shop.example", Status: status, Reason: "not_enrolled", CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	old := create("N", time.Now().Add(-500*day))     // finished 500 days ago: goes, with its audit entry
	create("N", time.Now().Add(-10*day))             // kept
	abandoned := create("C", time.Now().Add(-2*day)) // in progress for 2 days: ended
	create("C", time.Now().Add(-time.Hour))          // kept
	st.Close()

	rows := func(out string) map[string]string {
		got := map[string]string{}
		for _, m := range regexp.MustCompile(`(?m)^(\S+)\s+(\d+)$`).FindAllStringSubmatch(out, -1) {
			got[m[1]] = m[2]
		}
		return got
	}
	// A dry run counts each rule on its own: the old authentication's
	// audit entry is counted by the audit rule too, where the prune
	// deletes it with the authentication, before the audit rule runs.
	wantDry := "map[audit:1 authentications:abandoned:1 authentications:finished:1 outbox:0 portal_codes:0 portal_ip_attempts:0 portal_sessions:0 sends:0]"
	want := "map[audit:0 authentications:abandoned:1 authentications:finished:1 outbox:0 portal_codes:0 portal_ip_attempts:0 portal_sessions:0 sends:0]"

	code, out, errOut := cli(t, "prune", "-db", db, "-dry-run")
	if code != exitOK || !strings.Contains(out, "WOULD REMOVE") || fmt.Sprint(rows(out)) != wantDry {
		t.Fatalf("prune -dry-run: exit %d\n%s%s\nwant %s", code, out, errOut, wantDry)
	}
	code, out, errOut = cli(t, "prune", "-db", db)
	if code != exitOK || !strings.Contains(out, "REMOVED") || fmt.Sprint(rows(out)) != want {
		t.Fatalf("prune: exit %d\n%s%s\nwant %s", code, out, errOut, want)
	}
	st, _, err = openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Authentication(ctx, old); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the authentication finished 500 days ago: %v, want gone", err)
	}
	if a, err := st.Authentication(ctx, abandoned); err != nil || a.Status != "N" || a.Reason != "timed_out" {
		t.Errorf("the abandoned authentication: %+v %v, want N timed_out", a, err)
	}
	code, out, _ = cli(t, "prune", "-db", db)
	if again := rows(out); code != exitOK || again["authentications:finished"] != "0" || again["authentications:abandoned"] != "0" {
		t.Errorf("second prune: exit %d\n%s", code, out)
	}
}

func TestPruneUsage(t *testing.T) {
	db := t.TempDir() + "/issuer.db"
	for _, args := range [][]string{
		{"-audit-days", "-1"},
		{"-finished-days", "-1"},
		{"-abandoned-after", "-1h"},
		{"-prune-batch", "0"},
		{"extra"},
	} {
		code, _, errOut := cli(t, append([]string{"prune", "-db", db}, args...)...)
		if code != exitUsage || errOut == "" {
			t.Errorf("prune %v: exit %d %q, want %d", args, code, errOut, exitUsage)
		}
	}
}

// fakePruneStore records the runs and answers each from results.
type fakePruneStore struct {
	calls   chan store.Retention
	results []error
	runs    int // the pruner's goroutine's alone
}

func (f *fakePruneStore) Prune(ctx context.Context, r store.Retention, now time.Time, dryRun bool) ([]store.Pruned, error) {
	if dryRun {
		panic("the background pruner never dry-runs")
	}
	n := f.runs
	f.runs++
	f.calls <- r
	var err error
	if n < len(f.results) {
		err = f.results[n]
	}
	return []store.Pruned{{Rule: "audit", Rows: int64(10 * (n + 1))}}, err
}

// TestPruner: the background pruner runs at start and once per tick, logs
// a line per run with the counts (a warning for a failed run, which does
// not stop it), and returns when its context ends.
func TestPruner(t *testing.T) {
	var logs syncBuffer
	fs := &fakePruneStore{calls: make(chan store.Retention, 10), results: []error{nil, errors.New("disk full"), nil}}
	p := &pruner{st: fs, r: store.Retention{Audit: time.Hour}, now: time.Now, log: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	tick := make(chan time.Time)
	done := make(chan struct{})
	go func() { p.run(ctx, tick); close(done) }()
	<-fs.calls // at start, before any tick
	tick <- time.Now()
	tick <- time.Now() // accepted only once the second run is over: runs never overlap
	<-fs.calls
	<-fs.calls
	cancel()
	<-done
	if n := len(fs.calls); n != 0 {
		t.Errorf("%d more runs after the ticks", n)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "level=INFO") || !strings.Contains(lines[0], "audit=10") ||
		!strings.Contains(lines[1], "level=WARN") || !strings.Contains(lines[1], "disk full") ||
		!strings.Contains(lines[2], "audit=30") {
		t.Errorf("log:\n%s", logs.String())
	}
}
