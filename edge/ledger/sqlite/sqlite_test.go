package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/honnin/honnin/edge/ledger/ledgertest"
)

func open(t testing.TB) *Ledger {
	t.Helper()
	l, err := Open(context.Background(), filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestLedger runs the ledger's behaviour (edge/ledger/ledgertest) on SQLite.
func TestLedger(t *testing.T) {
	ledgertest.Run(t, func(t testing.TB) *ledgertest.Ledger {
		l := open(t)
		return ledgertest.New(l.SQL, l.DB())
	})
}

// TestReopen: the state is in the file, not the process.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edge.db")
	ctx := context.Background()
	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledgertest.Count(l.SQL, ledgertest.Challenge("a", "c"), 5); err != nil {
		t.Fatal(err)
	}
	l.Close()
	l, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if e, _ := l.Lookup(ctx, "a"); e.Attempts != 1 {
		t.Errorf("attempts after reopen = %d, want 1", e.Attempts)
	}
}
