//go:build cgosqlite

// Package drivers compares the SQLite driver honnin uses
// (modernc.org/sqlite, pure Go, through edge/sqlitedb) with the cgo one
// (github.com/mattn/go-sqlite3) on the statements the native processes
// run most: a point read, a bounded index count, and a write transaction
// committed with synchronous=FULL in WAL mode, as the issuer commits. Both
// run the same SQL through database/sql with prepared statements, on the
// same pragmas. It needs cgo and gcc, so it builds only with
// -tags cgosqlite (make bench runs it: e2e/bench.sh); make test does not
// compile the C library.
package drivers

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/honnin/honnin/edge/sqlitedb"
)

// rows is the table's size: a busy day's authentications of one shard.
const rows = 20000

type driver struct {
	name string
	open func(path string) (*sql.DB, error)
}

var driversUnderTest = []driver{
	{"modernc", func(path string) (*sql.DB, error) {
		return sqlitedb.Open("file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_txlock=immediate", sqlitedb.Options{})
	}},
	{"mattn-cgo", func(path string) (*sql.DB, error) {
		return sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_txlock=immediate")
	}},
}

func setup(b *testing.B, d driver) *sql.DB {
	b.Helper()
	db, err := d.open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(4)
	if _, err := db.Exec(`CREATE TABLE a (id TEXT PRIMARY KEY, merchant INTEGER NOT NULL, status TEXT NOT NULL,
		decided_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`CREATE INDEX a_merchant ON a (merchant, decided_at)`); err != nil {
		b.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for i := range rows {
		if _, err := tx.Exec(`INSERT INTO a (id, merchant, status, decided_at, body) VALUES (?, ?, ?, ?, ?)`,
			fmt.Sprintf("auth-%06d", i), i%10, "NY"[i%2:i%2+1], int64(i), "x"); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return db
}

// cpuTime is the process's user and system time so far: the write
// transaction's wall time is mostly the fsync, in which neither driver
// spends CPU.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs the loop of b and reports the CPU per operation beside the
// wall time.
func measure(b *testing.B, op func()) {
	b.Helper()
	start := cpuTime(b)
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

func BenchmarkDrivers(b *testing.B) {
	for _, d := range driversUnderTest {
		b.Run(d.name+"/point-read", func(b *testing.B) {
			db := setup(b, d)
			st, err := db.Prepare(`SELECT status, attempts, body FROM a WHERE id = ?`)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			i := 0
			measure(b, func() {
				var s, body string
				var n int
				if err := st.QueryRow(fmt.Sprintf("auth-%06d", i%rows)).Scan(&s, &n, &body); err != nil {
					b.Fatal(err)
				}
				i += 7919
			})
		})
		b.Run(d.name+"/index-count", func(b *testing.B) {
			db := setup(b, d)
			st, err := db.Prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM a WHERE merchant = ? AND decided_at >= ? AND status = 'N' LIMIT 1000) AS r`)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			measure(b, func() {
				var n int
				if err := st.QueryRow(4, rows-2000).Scan(&n); err != nil || n == 0 {
					b.Fatalf("count %d, %v", n, err)
				}
			})
		})
		b.Run(d.name+"/write-tx-full-sync", func(b *testing.B) {
			db := setup(b, d)
			ins, err := db.Prepare(`INSERT INTO a (id, merchant, status, decided_at, body) VALUES (?, 1, 'C', ?, 'x')`)
			if err != nil {
				b.Fatal(err)
			}
			upd, err := db.Prepare(`UPDATE a SET attempts = attempts + 1, status = 'Y' WHERE id = ?`)
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			measure(b, func() {
				id := fmt.Sprintf("new-%08d", i)
				i++
				tx, err := db.Begin()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Stmt(ins).Exec(id, int64(rows+i)); err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Stmt(upd).Exec(id); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
