package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer/store"
)

// TestBackupCommand: `issuer backup` copies a migrated database into a
// file the store opens at the same schema version; bad command lines and
// an existing -out exit 2 and leave the file as it was.
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "issuer.db")
	if code, out, errOut := cli(t, "migrate", "-db", db); code != exitOK {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	dest := filepath.Join(dir, "copy.db")
	code, out, errOut := cli(t, "backup", "-db", db, "-out", dest)
	if code != exitOK || !strings.Contains(out, "integrity ok") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	st, err := store.Open(context.Background(), dest)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := st.Migrate(context.Background())
	st.Close()
	if err != nil || len(applied) != 0 {
		t.Fatalf("the copy needed migrations %v (%v): it is not at the database's version", applied, err)
	}

	before, _ := os.ReadFile(dest)
	for _, args := range [][]string{
		{"-db", db},               // no -out
		{"-db", db, "-out", dest}, // exists
		{"-db", "postgres://x/y", "-out", filepath.Join(dir, "pg.db")},
		{"-db", db, "-out", dest + "2", "extra"},
	} {
		code, _, errOut := cli(t, append([]string{"backup"}, args...)...)
		if code != exitUsage || errOut == "" {
			t.Errorf("backup %v: exit %d %q, want %d", args, code, errOut, exitUsage)
		}
	}
	if after, _ := os.ReadFile(dest); string(after) != string(before) {
		t.Error("a refused backup changed the existing copy")
	}
	if code, _, errOut := cli(t, "backup", "-db", filepath.Join(dir, "missing.db"), "-out", filepath.Join(dir, "m.db")); code != exitFail || !strings.Contains(errOut, "missing.db") {
		t.Errorf("backup of a missing database: exit %d %q, want %d naming it", code, errOut, exitFail)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !os.IsNotExist(err) {
		t.Error("backup created the database it was asked to copy")
	}
}
