package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/dbfault"
	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/ledger/ledgertest"
)

// groupDB opens a ledger file with a table t for the group's tests, and a
// group on it whose writer is not started.
func groupDB(t *testing.T) (*group, func(string) bool) {
	t.Helper()
	db, err := OpenDB(filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	has := func(k string) bool {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM t WHERE k = ?`, k).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	// One connection, so that the pragmas of a test hold for every
	// statement that follows.
	db.SetMaxOpenConns(1)
	return makeGroup(db), has
}

func insert(k string) ledger.Stmt {
	return ledger.Stmt{SQL: `INSERT INTO t (k) VALUES (?1) RETURNING k`, Args: []any{k}}
}

// queue sends each batch to g (not yet running) in order and returns their
// outcomes once g has run them as one group.
func queue(t *testing.T, g *group, batches ...[]ledger.Stmt) []error {
	t.Helper()
	errs := make([]error, len(batches))
	var wg sync.WaitGroup
	for i, b := range batches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = g.Batch(context.Background(), b...)
		}()
		for len(g.queue) < i+1 { // keep the order
			time.Sleep(time.Millisecond)
		}
	}
	go g.run()
	t.Cleanup(g.Close)
	wg.Wait()
	return errs
}

// A batch that fails in a group is rolled back alone: the batches before
// and after it in the same transaction commit, and its own earlier
// statement does not.
func TestGroupFailedBatchAlone(t *testing.T) {
	g, has := groupDB(t)
	errs := queue(t, g,
		[]ledger.Stmt{insert("a")},
		[]ledger.Stmt{insert("b"), insert("a")}, // a is taken: the batch fails
		[]ledger.Stmt{insert("c")})
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("batches around the failed one: %v, %v", errs[0], errs[2])
	}
	if errs[1] == nil {
		t.Fatal("batch inserting a twice: no error")
	}
	for k, want := range map[string]bool{"a": true, "b": false, "c": true} {
		if has(k) != want {
			t.Errorf("row %s present = %v, want %v", k, has(k), want)
		}
	}
}

// An error that may have ended the transaction (here a read-only
// connection) fails every batch of the group, those before it included,
// and nothing of the group is recorded; the writer serves the next group.
func TestGroupUnavailableFailsTheGroup(t *testing.T) {
	g, has := groupDB(t)
	errs := queue(t, g,
		[]ledger.Stmt{insert("a")},
		[]ledger.Stmt{{SQL: `PRAGMA query_only = ON`}, insert("b")},
		[]ledger.Stmt{insert("c")})
	for i, err := range errs[:2] {
		if !dbfault.Unavailable(err) {
			t.Errorf("batch %d: err = %v, want the database unavailable", i, err)
		}
	}
	if has("a") || has("b") {
		t.Error("a batch of the failed group was recorded")
	}
	// The third batch ran in the next group, still read-only; then the
	// connection is made writable again, and the writer goes on with it.
	if !dbfault.Unavailable(errs[2]) {
		t.Errorf("batch after: err = %v, want unavailable (still read-only)", errs[2])
	}
	if _, err := g.db.Exec(`PRAGMA query_only = OFF`); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Batch(context.Background(), insert("d")); err != nil || !has("d") {
		t.Fatalf("after recovery: err %v, recorded %v", err, has("d"))
	}
}

// A caller that gives up while its batch waits gets its context's error,
// and the batch never runs.
func TestGroupAbandoned(t *testing.T) {
	g, has := groupDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := g.Batch(ctx, insert("a"))
		done <- err
	}()
	for len(g.queue) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want canceled", err)
	}
	go g.run()
	t.Cleanup(g.Close)
	if _, err := g.Batch(context.Background(), insert("b")); err != nil {
		t.Fatal(err)
	}
	if has("a") || !has("b") {
		t.Errorf("a recorded %v (want false), b %v (want true)", has("a"), has("b"))
	}
}

// After Close a batch fails with ErrClosed, never hangs.
func TestGroupClosed(t *testing.T) {
	g, _ := groupDB(t)
	go g.run()
	if _, err := g.Batch(context.Background(), insert("a")); err != nil {
		t.Fatal(err)
	}
	g.Close()
	for range 100 { // the queue has room: some of these enqueue after the writer left
		if _, err := g.Batch(context.Background(), insert("b")); !errors.Is(err, ErrClosed) {
			t.Fatalf("err = %v, want ErrClosed", err)
		}
	}
}

// A ledger closed under a request still running (shutdown) refuses its
// try as unavailable (503, nothing counted), not as a failure (500).
func TestClosedLedgerUnavailable(t *testing.T) {
	l, err := Open(context.Background(), filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	l.group.Close()
	defer l.db.Close()
	if _, err := ledgertest.Count(l.SQL, ledgertest.Challenge("a", "c"), 5); !errors.Is(err, ledger.ErrUnavailable) {
		t.Errorf("count after close: %v, want ledger.ErrUnavailable", err)
	}
}

// BenchmarkCount counts tries from 16 goroutines, each on an
// authentication and a credential of its own, through the writer that groups batches
// (group) and through one transaction per batch (tx, as before).
func BenchmarkCount(b *testing.B) {
	for _, mode := range []string{"group", "tx"} {
		b.Run(mode, func(b *testing.B) {
			l := open(b)
			sql := l.SQL
			if mode == "tx" {
				sql = ledger.NewSQL(batcher{ledger.TxBatcher{DB: l.DB()}})
			}
			var n atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					c := ledgertest.Challenge(fmt.Sprintf("a%d", i), fmt.Sprintf("cred%d", i))
					if _, err := ledgertest.Count(sql, c, 5); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
