package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer"
)

func TestReady(t *testing.T) { forEachEngine(t, testReady) }

// testReady: a database that answers reads and takes writes is ready;
// the same database turned read-only (the one connection set so) is not.
func testReady(t *testing.T, s *Store) {
	ctx := context.Background()
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready on a writable database: %v", err)
	}
	s.db.SetMaxOpenConns(1)
	readOnly := map[string]string{"sqlite": `PRAGMA query_only = ON`, "postgres": `SET default_transaction_read_only = on`}[s.d.name]
	if _, err := s.db.ExecContext(ctx, readOnly); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err == nil {
		t.Fatal("Ready on a read-only database: nil, want an error")
	}
	if _, err := s.CreateMerchant(ctx, issuer.Merchant{Name: "Shop", APIKeyHash: keyHash("ro"), CreatedAt: t0}); err == nil {
		t.Fatal("the read-only setting did not hold: a write passed, so the test proves nothing")
	}
}

// TestReadyDiskFull: an SQLite database whose disk has less than MinFree
// left is not ready, though its no-row write passes; with room again it
// is ready.
func TestReadyDiskFull(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "issuer.db"))
	ctx := context.Background()
	free := uint64(MinFree)
	was := diskFree
	diskFree = func(string) (uint64, error) { return free, nil }
	t.Cleanup(func() { diskFree = was })
	for _, c := range []struct {
		free  uint64
		ready bool
	}{{MinFree, true}, {MinFree - 1, false}, {0, false}, {64 << 20, true}} {
		free = c.free
		err := s.Ready(ctx)
		if (err == nil) != c.ready || (err != nil && !strings.Contains(err.Error(), "disk full")) {
			t.Errorf("Ready with %d bytes free: %v, want ready %v", c.free, err, c.ready)
		}
	}
}
