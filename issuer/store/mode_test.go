//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSQLiteFileModes: the issuer's database and the -wal and -shm files
// SQLite makes beside it are 0600 even under umask 0, and a database open
// to others is refused with the fix, its mode left as it was.
func TestSQLiteFileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "issuer.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil { // writes
		t.Fatal(err)
	}
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
	if err := os.WriteFile(loose, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(ctx, loose); err == nil || !strings.Contains(err.Error(), "chmod 600 "+loose) {
		if s != nil {
			s.Close()
		}
		t.Errorf("0640 database: Open = %v, want refusal naming chmod 600", err)
	}
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o640 {
		t.Errorf("a refused database's mode was changed to %04o", fi.Mode().Perm())
	}
}
