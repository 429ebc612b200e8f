package store

import (
	"context"
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
