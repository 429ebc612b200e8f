//go:build unix

package secretfile

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestSQLiteUmask: a fresh database is 0600 whatever the process's umask,
// neither wider (umask 0) nor unwritable (umask 0277).
func TestSQLiteUmask(t *testing.T) {
	dir := t.TempDir()
	for _, umask := range []int{0, 0o022, 0o277} {
		old := syscall.Umask(umask)
		path := filepath.Join(dir, fmt.Sprintf("umask%04o.db", umask))
		err := SQLite(path)
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("umask %04o: created %v, %v; want mode 0600", umask, fi.Mode(), err)
		}
	}
}
