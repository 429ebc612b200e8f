package sqlitedb

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestWrites(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT 1":                               false,
		"  select v FROM kv":                     false,
		"-- why\n SELECT 1":                      false,
		"/* a */ SELECT 1":                       false,
		"UPDATE kv SET v = 1 RETURNING k":        true,
		"INSERT INTO kv VALUES (1)":              true,
		"DELETE FROM kv":                         true,
		"WITH x AS (SELECT 1) SELECT * FROM x":   true, // conservative
		"PRAGMA journal_mode=WAL":                true,
		"-- unterminated":                        true,
		"/* unterminated":                        true,
		"":                                       true,
		"SELEC":                                  true,
		"\n\t\r /* x */ -- y\n /* z */ select 2": false,
	} {
		if got := writes(q); got != want {
			t.Errorf("writes(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestWritersTakeTurns: 32 goroutines write at once — transactions that
// read then write, and single UPDATE … RETURNING queries — on a database
// whose busy timeout is 0, so a writer that met another in SQLite would
// fail at once with SQLITE_BUSY. Every write succeeds and none is lost.
func TestWritersTakeTurns(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "t.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(0)&_txlock=immediate", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE n (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO n VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	const workers, each = 32, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for range each {
				if w%2 == 0 {
					tx, err := db.Begin()
					if err != nil {
						errs <- err
						continue
					}
					var v int
					if err := tx.QueryRow(`SELECT v FROM n WHERE id = 1`).Scan(&v); err != nil {
						tx.Rollback()
						errs <- err
						continue
					}
					if _, err := tx.Exec(`UPDATE n SET v = ?1 WHERE id = 1`, v+1); err != nil {
						tx.Rollback()
						errs <- err
						continue
					}
					if err := tx.Commit(); err != nil {
						errs <- err
					}
				} else {
					var v int
					if err := db.QueryRow(`UPDATE n SET v = v + 1 WHERE id = 1 RETURNING v`).Scan(&v); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("write failed: %v", err)
	}
	var v int
	if err := db.QueryRow(`SELECT v FROM n WHERE id = 1`).Scan(&v); err != nil || v != workers*each {
		t.Errorf("counter = %d (%v), want %d", v, err, workers*each)
	}
}

// TestWriteWait: a writer that waits longer than WriteWait behind a
// transaction gets ErrBusy, one whose context ends gets its error, and
// reads go on meanwhile; when the transaction ends the next write runs.
func TestWriteWait(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "t.db")+"?_pragma=journal_mode(WAL)&_txlock=immediate", Options{WriteWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO n VALUES (1)`); !errors.Is(err, ErrBusy) {
		t.Errorf("write behind an open transaction: %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.ExecContext(ctx, `INSERT INTO n VALUES (2)`); !errors.Is(err, context.Canceled) {
		t.Errorf("write with an ended context: %v, want context.Canceled", err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM n`).Scan(&n); err != nil {
		t.Errorf("a read behind an open transaction: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO n VALUES (3)`); err != nil {
		t.Errorf("write after the transaction ended: %v", err)
	}
}
