package migrations_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/migrations"
)

func columns(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM pragma_table_info(?1) ORDER BY cid`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func version(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestApply: a fresh database gets every migration once, in order, and
// ends at the newest version with the tables the ledger and the report
// queue use; applying again changes nothing.
func TestApply(t *testing.T) {
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for range 2 {
		if err := migrations.Apply(ctx, db); err != nil {
			t.Fatal(err)
		}
		if v := version(t, db); v != len(all) {
			t.Fatalf("user_version %d, want %d", v, len(all))
		}
	}
	for table, want := range map[string][]string{
		"edge_auth":   {"id", "gen", "attempts", "result_jti", "updated", "try_id", "result_token", "proof"},
		"edge_cred":   {"cred", "last_step", "updated", "failures", "epoch"},
		"edge_card":   {"card", "seq", "updated"},
		"edge_report": {"jti", "body", "tries", "due", "dead", "last_error", "created"},
	} {
		if got := columns(t, db, table); !slices.Equal(got, want) {
			t.Errorf("%s columns %v, want %v", table, got, want)
		}
	}
}

// TestUpgradeUntracked: a native database made before the edge tracked
// versions (the tables of 0001 and 0002, user_version 0, rows in them)
// takes the later migrations and keeps its rows.
func TestUpgradeUntracked(t *testing.T) {
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range all[:2] {
		if _, err := db.Exec(f.SQL); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO edge_report (jti, body, due, created) VALUES ('j1', '{}', 1, 1);
		INSERT INTO edge_cred (cred, last_step) VALUES ('c1', 42)`); err != nil {
		t.Fatal(err)
	}
	if err := migrations.Apply(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	if v := version(t, db); v != len(all) {
		t.Fatalf("user_version %d, want %d", v, len(all))
	}
	var step, failures int
	if err := db.QueryRow(`SELECT last_step, failures FROM edge_cred WHERE cred = 'c1'`).Scan(&step, &failures); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM edge_report WHERE jti = 'j1'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if step != 42 || failures != 0 || n != 1 {
		t.Errorf("after the upgrade: step %d failures %d reports %d, want 42 0 1", step, failures, n)
	}
}
