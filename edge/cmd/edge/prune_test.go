package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/ledger/sqlite"
)

// TestPruneCommand: -dry-run counts and keeps; the prune removes rows
// older than -ledger-days and prints the counts; bad usage exits 2.
func TestPruneCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "edge.db")
	l, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	old, recent := time.Now().Add(-8*24*time.Hour).Unix(), time.Now().Add(-6*24*time.Hour).Unix()
	if _, err := l.DB().Exec(`INSERT INTO edge_auth (id, result_jti, updated) VALUES ('old', 'j', ?1), ('recent', 'j', ?2)`, old, recent); err != nil {
		t.Fatal(err)
	}
	l.Close()
	for _, c := range []struct {
		args     []string
		code     int
		wantAuth string
	}{
		{[]string{"-db", db, "-dry-run"}, 0, "WOULD REMOVE edge_auth 1"},
		{[]string{"-db", db}, 0, "REMOVED edge_auth 1"},
		{[]string{"-db", db}, 0, "REMOVED edge_auth 0"},
		{[]string{"-db", db, "-ledger-days", "0"}, 2, ""},
		{[]string{"-db", db, "-batch", "0"}, 2, ""},
		{[]string{"-db", db, "extra"}, 2, ""},
	} {
		var out, errOut bytes.Buffer
		code := pruneCommand(c.args, &out, &errOut)
		got := strings.Join(strings.Fields(out.String()), " ")
		verb, table, _ := strings.Cut(c.wantAuth, " edge_auth")
		if code != c.code || !strings.Contains(got, "TABLE "+verb) || !strings.Contains(got, "edge_auth"+table) {
			if c.code == 2 && code == 2 && errOut.Len() > 0 {
				continue
			}
			t.Errorf("edge prune %v: exit %d, out %q %q; want %d, %q", c.args, code, got, errOut.String(), c.code, c.wantAuth)
		}
	}
	l, err = sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if e, _ := l.Lookup(context.Background(), "recent"); !e.Finished {
		t.Error("the entry inside -ledger-days was pruned")
	}
}

// fakeLedger records the cut of each run.
type fakeLedger struct {
	mu   sync.Mutex
	cuts []time.Time
	errs []error
	ran  chan struct{}
}

func (f *fakeLedger) PruneTables(ctx context.Context, before time.Time, batch int, dryRun bool) ([]ledger.Pruned, error) {
	f.mu.Lock()
	n := len(f.cuts)
	f.cuts = append(f.cuts, before)
	f.mu.Unlock()
	defer func() { f.ran <- struct{}{} }()
	if dryRun || batch != ledger.DefaultPruneBatch {
		return nil, errors.New("unexpected dry run or batch")
	}
	if n < len(f.errs) && f.errs[n] != nil {
		return nil, f.errs[n]
	}
	return []ledger.Pruned{{Table: "edge_auth", Rows: int64(n + 1)}}, nil
}

// TestPruner: a run at start and one per tick, each cutting -ledger-days
// before the clock, one log line each (a warning for a failure, which
// does not stop it), and the loop returns when its context ends.
func TestPruner(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	f := &fakeLedger{ran: make(chan struct{}, 10), errs: []error{nil, errors.New("disk I/O error")}}
	var logs bytes.Buffer
	var mu sync.Mutex
	p := &pruner{l: f, keep: 7 * 24 * time.Hour, now: func() time.Time { return now },
		log: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	tick := make(chan time.Time)
	done := make(chan struct{})
	go func() { p.run(ctx, tick); close(done) }()
	<-f.ran
	tick <- now
	tick <- now // taken only after the second run: runs never overlap
	<-f.ran
	<-f.ran
	cancel()
	<-done
	if len(f.cuts) != 3 || !f.cuts[0].Equal(now.Add(-7*24*time.Hour)) {
		t.Errorf("cuts %v, want 3 at %v", f.cuts, now.Add(-7*24*time.Hour))
	}
	mu.Lock()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	mu.Unlock()
	if len(lines) != 3 || !strings.Contains(lines[0], "edge_auth=1") || !strings.Contains(lines[1], "level=WARN") ||
		!strings.Contains(lines[1], "disk I/O error") || !strings.Contains(lines[2], "edge_auth=3") {
		t.Errorf("log:\n%s", strings.Join(lines, "\n"))
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
