//go:build unix

package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/honnin/honnin/edge/ledger/ledgertest"
)

// TestFileModes: the database and the -wal and -shm files SQLite makes
// beside it are 0600 even under umask 0, and a database open to others is
// refused, not opened.
func TestFileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "edge.db")
	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := ledgertest.Count(l.SQL, ledgertest.Challenge("auth1", "c"), 5); err != nil {
		t.Fatal(err)
	}
	// While the database is open, all three files exist.
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}

	loose := filepath.Join(t.TempDir(), "loose.db")
	if err := os.WriteFile(loose, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if db, err := OpenDB(loose); err == nil || !strings.Contains(err.Error(), "chmod 600 "+loose) {
		if db != nil {
			db.Close()
		}
		t.Errorf("0644 database: OpenDB = %v, want refusal naming chmod 600", err)
	}
}
