package sqlitedb

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// openGrouped opens a WAL database with a group sync whose fsync is sync.
func openGrouped(t *testing.T, sync func() error) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.db")
	db, gs, err := openSync(path+"?_pragma=journal_mode(WAL)&_txlock=immediate", Options{GroupSync: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE n (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO n VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	gs.sync = sync
	return db
}

// writeKinds are the three ways a write ends: a transaction's commit, a
// statement outside one, and a writing query's rows closing.
var writeKinds = []struct {
	name  string
	write func(db *sql.DB) error
}{
	{"transaction", func(db *sql.DB) error {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE n SET v = v + 1 WHERE id = 1`); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}},
	{"statement", func(db *sql.DB) error {
		_, err := db.Exec(`UPDATE n SET v = v + 1 WHERE id = 1`)
		return err
	}},
	{"returning", func(db *sql.DB) error {
		var v int
		return db.QueryRow(`UPDATE n SET v = v + 1 WHERE id = 1 RETURNING v`).Scan(&v)
	}},
}

// TestGroupSyncWriteWaitsForItsSync: no write returns before an fsync of
// the WAL that began after it ended: with the fsync held, the write is
// still waiting; released, it returns without error.
func TestGroupSyncWriteWaitsForItsSync(t *testing.T) {
	for _, k := range writeKinds {
		t.Run(k.name, func(t *testing.T) {
			var hold atomic.Bool
			started, release := make(chan struct{}, 1), make(chan struct{})
			db := openGrouped(t, func() error {
				if hold.Load() {
					started <- struct{}{}
					<-release
				}
				return nil
			})
			hold.Store(true)
			done := make(chan error, 1)
			go func() { done <- k.write(db) }()
			select {
			case <-started:
			case err := <-done:
				t.Fatalf("the write returned (%v) without syncing", err)
			case <-time.After(10 * time.Second):
				t.Fatal("no sync began")
			}
			select {
			case err := <-done:
				t.Fatalf("the write returned (%v) while its sync was running", err)
			default:
			}
			hold.Store(false)
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestGroupSyncShares: 32 writers at once, with an fsync that takes a
// millisecond. Every write returns after a sync that ended after the
// write began, all of them are kept, and the syncs are fewer than the
// writes: the ones that end while a sync runs share the next.
func TestGroupSyncShares(t *testing.T) {
	var begun, ended atomic.Int64
	db := openGrouped(t, func() error {
		begun.Add(1)
		time.Sleep(time.Millisecond) // an fsync's time on a fast disk
		ended.Add(1)
		return nil
	})
	const workers, each = 32, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		k := writeKinds[w%len(writeKinds)]
		wg.Go(func() {
			for range each {
				before := begun.Load()
				if err := k.write(db); err != nil {
					errs <- err
					return
				}
				if after := ended.Load(); after <= before {
					errs <- errors.New(k.name + ": returned before a sync that began after it had ended")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var v int
	if err := db.QueryRow(`SELECT v FROM n WHERE id = 1`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != workers*each {
		t.Errorf("v = %d, want %d", v, workers*each)
	}
	if n := begun.Load(); n >= workers*each {
		t.Errorf("%d syncs for %d writes: none shared", n, workers*each)
	}
}

// TestGroupSyncFailure: a failed fsync fails the write that ran it (its
// durability is unknown, as a failed fsync under synchronous=FULL); the
// next write syncs again and succeeds.
func TestGroupSyncFailure(t *testing.T) {
	var fail atomic.Bool
	db := openGrouped(t, func() error {
		if fail.Load() {
			return errors.New("EIO")
		}
		return nil
	})
	for _, k := range writeKinds {
		fail.Store(true)
		if err := k.write(db); err == nil || !strings.Contains(err.Error(), "group sync: EIO") {
			t.Errorf("%s with a failing fsync: %v, want the sync's error", k.name, err)
		}
		fail.Store(false)
		if err := k.write(db); err != nil {
			t.Errorf("%s after the fsync recovered: %v", k.name, err)
		}
	}
}

// TestGroupSyncRefuses a database it could not make durable, and a DSN
// that sets synchronous itself.
func TestGroupSyncRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := Open(path+"?_pragma=journal_mode(DELETE)", Options{GroupSync: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err == nil || !strings.Contains(err.Error(), `needs journal_mode WAL, the database is in "delete"`) {
		t.Errorf("rollback journal: %v, want refused", err)
	}
	if _, err := Open(path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)", Options{GroupSync: path}); err == nil {
		t.Error("a DSN setting synchronous was accepted")
	}
}

// TestSyncWAL syncs a real WAL, and takes a missing one (SQLite deleted it
// after checkpointing it into the database) as nothing to do.
func TestSyncWAL(t *testing.T) {
	dir := t.TempDir()
	if err := syncWAL(filepath.Join(dir, "gone.db-wal")); err != nil {
		t.Errorf("missing WAL: %v", err)
	}
	wal := filepath.Join(dir, "t.db-wal")
	if err := os.WriteFile(wal, []byte("frames"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syncWAL(wal); err != nil {
		t.Errorf("WAL: %v", err)
	}
	if err := syncWAL(dir + "/no-such-dir/x.db-wal"); err != nil {
		t.Errorf("missing folder: %v", err)
	}
	if err := syncWAL(t.TempDir() + "\x00"); err == nil {
		t.Error("a bad path synced")
	}
}
