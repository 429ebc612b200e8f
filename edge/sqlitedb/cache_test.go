package sqlitedb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

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

// cached is how many statements the one pool connection and the writer
// connection hold.
func cached(t *testing.T, db *sql.DB) (reads, writes int) {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Raw(func(dc any) error {
		reads = len(dc.(*conn).own.stmts)
		if w := dc.(*conn).k.w; w != nil {
			writes = len(w.stmts)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return reads, writes
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
	if r, w := cached(t, db); r != 1 || w != 2 { // SELECT; CREATE, INSERT
		t.Errorf("%d reading and %d writing statements cached, want 1 and 2", r, w)
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
	if r, _ := cached(t, db); r > 4 {
		t.Errorf("%d statements cached, want at most 4", r)
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

// TestOneWriterConnection: every write runs on one SQLite connection —
// transactions begun on different pool connections, and single writing
// statements — and reads outside a transaction on the pool's own. A TEMP
// table, which only the connection that made it can see, tells them apart.
func TestOneWriterConnection(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "t.db")+"?_txlock=immediate&_pragma=journal_mode(WAL)", Options{Conns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TEMP TABLE mark (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	// Hold every pool connection, so each transaction surely begins on a
	// different one.
	var conns []*sql.Conn
	for range 4 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO mark (n) VALUES (?1)`, i); err != nil {
			t.Fatalf("transaction on pool connection %d does not run on the writer: %v", i, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		// A writing query outside a transaction, with its rows.
		var n int
		if err := c.QueryRowContext(ctx, `UPDATE mark SET n = n + 10 WHERE n = ?1 RETURNING n`, i).Scan(&n); err != nil || n != i+10 {
			t.Fatalf("writing query on pool connection %d = %d, %v", i, n, err)
		}
		// A read outside a transaction runs on the pool connection, which
		// has no such table.
		if err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM mark`).Scan(&n); err == nil {
			t.Fatalf("a read on pool connection %d ran on the writer connection", i)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var got string
	if err := tx.QueryRow(`SELECT group_concat(n, ',') FROM (SELECT n FROM mark ORDER BY n)`).Scan(&got); err != nil || got != "10,11,12,13" {
		t.Fatalf("the writer connection holds %q, %v; want 10,11,12,13", got, err)
	}
}

// TestWriterAfterCancel: a transaction whose context ends in the middle of
// a statement (SQLite interrupts it) leaves the writer connection usable,
// or replaced: the next transaction and the next single write succeed.
func TestWriterAfterCancel(t *testing.T) {
	db := open(t, 8)
	ctx, cancel := context.WithCancel(context.Background())
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO kv (k, v) VALUES (1, 'lost')`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		var n int
		done <- tx.QueryRowContext(ctx, `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000000000)
			SELECT COUNT(*) FROM c`).Scan(&n)
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the interrupted statement returned no error")
	}
	tx.Rollback()
	if _, err := db.Exec(`INSERT INTO kv (k, v) VALUES (2, 'kept')`); err != nil {
		t.Fatalf("a write after the interrupted transaction: %v", err)
	}
	tx, err = db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var got string
	if err := tx.QueryRow(`SELECT group_concat(v) FROM kv`).Scan(&got); err != nil || got != "kept" {
		t.Fatalf("rows %q, %v; want the second write only", got, err)
	}
}
