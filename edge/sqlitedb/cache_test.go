package sqlitedb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// open is a real SQLite file behind the cache, one connection so the
// tests see one cache.
func open(t testing.TB, size int) *sql.DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "t.db")+"?_txlock=immediate", Options{Statements: size})
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// cached is how many statements the one connection holds.
func cached(t *testing.T, db *sql.DB) (n int) {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Raw(func(dc any) error { n = len(dc.(*conn).stmts); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReuse: the same statement with other arguments, again and again,
// gives each call's own answer, and is prepared once.
func TestReuse(t *testing.T) {
	db := open(t, 8)
	for i := range 50 {
		if _, err := db.Exec(`INSERT INTO kv (k, v) VALUES (?1, ?2)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		var v string
		if err := db.QueryRow(`SELECT v FROM kv WHERE k = ?1`, i).Scan(&v); err != nil || v != fmt.Sprint("v", i) {
			t.Fatalf("row %d = %q, %v", i, v, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO kv (k, v) VALUES (?1, ?2)`, 1, "dup"); err == nil {
		t.Fatal("a duplicate key was inserted")
	}
	// The failed insert left its statement usable.
	if _, err := db.Exec(`INSERT INTO kv (k, v) VALUES (?1, ?2)`, 100, "after"); err != nil {
		t.Fatalf("insert after a failed one: %v", err)
	}
	if n := cached(t, db); n != 3 { // CREATE, INSERT, SELECT
		t.Errorf("%d statements cached, want 3", n)
	}
}

// TestSameQueryWhileRowsOpen: in one transaction, the same query run
// again while the first one's rows are open gets a statement of its own,
// and both read their own rows.
func TestSameQueryWhileRowsOpen(t *testing.T) {
	db := open(t, 8)
	for i := range 3 {
		if _, err := db.Exec(`INSERT INTO kv (k, v) VALUES (?1, ?2)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT k FROM kv WHERE k >= ?1 ORDER BY k`
	outer, err := tx.Query(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var k int
		if err := outer.Scan(&k); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.Query(q, 2)
		if err != nil {
			t.Fatal(err)
		}
		var ks []int
		for inner.Next() {
			var j int
			inner.Scan(&j)
			ks = append(ks, j)
		}
		inner.Close()
		got = append(got, fmt.Sprint(k, ks))
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if fmt.Sprint(got) != "[0 [2] 1 [2] 2 [2]]" {
		t.Errorf("outer and inner rows: %v", got)
	}
}

// TestBounded: more distinct statements than the cache holds keep it at
// its size, and every one still answers.
func TestBounded(t *testing.T) {
	db := open(t, 4)
	for i := range 20 {
		var n int
		if err := db.QueryRow(fmt.Sprintf(`SELECT %d + COUNT(*) FROM kv`, i)).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d = %d, %v", i, n, err)
		}
	}
	if n := cached(t, db); n > 4 {
		t.Errorf("%d statements cached, want at most 4", n)
	}
}

// BenchmarkSelect compares a point read with and without the cache.
func BenchmarkSelect(b *testing.B) {
	for _, tc := range []struct {
		name  string
		cache bool
	}{{"direct", false}, {"cached", true}} {
		b.Run(tc.name, func(b *testing.B) {
			dsn := filepath.Join(b.TempDir(), "t.db") + "?_pragma=journal_mode(WAL)"
			db, err := sql.Open("sqlite", dsn)
			if tc.cache {
				db, err = Open(dsn, Options{})
			}
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.Exec(`CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL, w TEXT, x INTEGER)`)
			db.Exec(`INSERT INTO kv (k, v) VALUES (1, 'one')`)
			b.ReportAllocs()
			for b.Loop() {
				var v string
				if err := db.QueryRow(`SELECT v FROM kv WHERE k = ?1 AND (w IS NULL OR w <> ?2) AND COALESCE(x, 0) < ?3`, 1, "z", 5).Scan(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
