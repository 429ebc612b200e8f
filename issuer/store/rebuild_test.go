package store

import (
	"context"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

// TestRebuildKeepsReferences re-applies migration 0004 (the cardholders
// rebuild) over a database with rows that reference cardholders: with
// foreign keys on, dropping the old table would cascade and delete them.
func TestRebuildKeepsReferences(t *testing.T) { forEachEngine(t, testRebuildKeepsReferences) }

func testRebuildKeepsReferences(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	cred, err := f.s.ContactCredential(ctx, f.cardholder.ID, issuer.MethodEmail, now)
	if err != nil {
		t.Fatal(err)
	}
	// 0004, and 0005, which adds the cardholder columns the rebuild drops
	// (its tables are IF NOT EXISTS for this); the runner applies missing
	// versions whatever newer ones are recorded.
	if _, err := f.s.db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version IN (4, 5)`); err != nil {
		t.Fatal(err)
	}
	applied, err := f.s.Migrate(ctx)
	if err != nil {
		t.Fatalf("re-applying 0004: %v", err)
	}
	if len(applied) != 2 || applied[0] != 4 || applied[1] != 5 {
		t.Fatalf("applied %v, want [4 5]", applied)
	}
	if _, err := f.s.CredentialByPublicID(ctx, cred.PublicID); err != nil {
		t.Errorf("credential lost in the rebuild: %v", err)
	}
	c := f.cardholder
	c.PreferredMethod = issuer.MethodPassword
	if got, err := f.s.UpsertCardholder(ctx, c); err != nil || got.PreferredMethod != issuer.MethodPassword {
		t.Errorf("password as preferred method: %+v, %v", got, err)
	}
	c.PreferredMethod = "carrier-pigeon"
	if _, err := f.s.UpsertCardholder(ctx, c); err == nil {
		t.Errorf("an unknown method was accepted: the CHECK is gone")
	}
	if f.s.d.name == "sqlite" {
		var fk int
		if err := f.s.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Errorf("foreign keys = %d (%v) after the rebuild, want 1", fk, err)
		}
	}
}
