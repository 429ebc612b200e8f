package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
)

// TestBackup: the copy opens as a store with what was written before it,
// is mode 0600, and a second backup to the same file is refused without
// touching it. PostgreSQL says to use its own tools.
func TestBackup(t *testing.T) { forEachEngine(t, testBackup) }

func testBackup(t *testing.T, s *Store) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "backup.db")
	if s.d.name == postgres.name {
		if err := s.Backup(ctx, dest); !errors.Is(err, ErrBackupPostgres) {
			t.Fatalf("Backup on PostgreSQL = %v, want ErrBackupPostgres", err)
		}
		if _, err := os.Stat(dest); !os.IsNotExist(err) {
			t.Fatalf("PostgreSQL backup left a file: %v", err)
		}
		return
	}
	m, err := s.EnsureMerchant(ctx, issuer.Merchant{Name: "Backed Up", APIKeyHash: keyHash("b"),
		Origins: []string{"https://shop.example"}, CreatedAt: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("backup mode = %o, want 600", mode)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(dest + side); !os.IsNotExist(err) {
			t.Errorf("backup left %s beside the copy (%v)", side, err)
		}
	}
	copyStore := openTest(t, dest)
	got, err := copyStore.Merchant(ctx, m.ID)
	if err != nil || got.Name != "Backed Up" {
		t.Fatalf("merchant in the copy = %+v, %v", got, err)
	}

	before, _ := os.ReadFile(dest)
	if err := s.Backup(ctx, dest); err == nil {
		t.Fatal("a backup over an existing file succeeded")
	}
	after, err := os.ReadFile(dest)
	if err != nil || string(after) != string(before) {
		t.Fatalf("the refused backup changed or removed the existing file (%v)", err)
	}
}
