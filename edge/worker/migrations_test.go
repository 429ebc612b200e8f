//go:build !(js && wasm)

package worker

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/report"
)

// D1 gets its tables from the migrations wrangler applies, in file-name
// order; the native edge from the packages' own schema. The two must build
// the same tables and indexes (same statements, comments inside them
// included, as SQLite keeps them). A deployed migration is never edited, so
// a schema change is a new migration file, not a change to 0001.
func TestMigrationsMatchSchemas(t *testing.T) {
	files, err := filepath.Glob("../migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	slices.Sort(files)
	var migrations []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		migrations = append(migrations, string(b))
	}
	got := objects(t, migrations...)
	want := objects(t, ledger.Schema, report.Schema)
	if !slices.Equal(got, want) {
		t.Errorf("edge/migrations build:\n%s\nedge/ledger/schema.sql + edge/report/schema.sql build:\n%s\n"+
			"add a migration (edge/migrations/NNNN_name.sql) with the schema's new statements, copied verbatim",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// objects applies scripts to a fresh SQLite database and lists what they
// created, as SQLite stores it.
func objects(t *testing.T, scripts ...string) []string {
	t.Helper()
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "schema.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, s := range scripts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("apply %.60q...: %v", s, err)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var typ, name, table string
		var text sql.NullString
		if err := rows.Scan(&typ, &name, &table, &text); err != nil {
			t.Fatal(err)
		}
		out = append(out, typ+" "+name+" on "+table+": "+text.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
