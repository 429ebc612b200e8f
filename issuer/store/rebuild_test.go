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

// TestNoPurchaseRebuildKeepsReferences re-applies migration 0013 (the
// authentications rebuild) over a database with rows that reference an
// authentication: its audit, its EMV transaction. They stay, and so do
// the authentication's own columns.
func TestNoPurchaseRebuildKeepsReferences(t *testing.T) {
	forEachEngine(t, testNoPurchaseRebuildKeepsReferences)
}

func testNoPurchaseRebuildKeepsReferences(t *testing.T, s *Store) {
	f := newFixture(t, s)
	ctx := context.Background()
	a := f.create(t, "C")
	tx := EMVTransaction{ACSTransID: "8a880dc0-d2d2-4067-bcb1-b08d1690b26e", AuthenticationID: a.ID, ServerTransID: "sti",
		MessageVersion: "2.2.0", MessageCategory: "02", DeviceChannel: "02", AResStatus: "C", AResAt: t0}
	if err := s.CreateEMVTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 13`); err != nil {
		t.Fatal(err)
	}
	applied, err := s.Migrate(ctx)
	if err != nil || len(applied) != 1 || applied[0] != 13 {
		t.Fatalf("re-applying 0013: %v, %v", applied, err)
	}
	got, back, err := s.EMVTransactionByID(ctx, tx.ACSTransID)
	if err != nil || got.AuthenticationID != a.ID || back.Amount != a.Amount || back.CardholderID != a.CardholderID || !back.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("after the rebuild: %+v %+v, %v", got, back, err)
	}
	entries, err := s.auditQuery(ctx, "authentication_id = ?", a.ID)
	if err != nil || len(entries) == 0 {
		t.Errorf("audit of the authentication lost in the rebuild: %d, %v", len(entries), err)
	}
	if s.d.name == "sqlite" {
		var fk int
		if err := s.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Errorf("foreign keys = %d (%v) after the rebuild, want 1", fk, err)
		}
	}
}
