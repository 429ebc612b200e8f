package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

var shared Shared

func TestMain(m *testing.M) {
	code := m.Run()
	shared.Stop()
	os.Exit(code)
}

// TestShared: a database is empty and the test's own; a prepared one is a
// copy of what prepare made; a dropped one is gone; and the server does
// not run as root.
func TestShared(t *testing.T) {
	ctx := context.Background()
	open := func(url string) *sql.DB {
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	var url1 string
	t.Run("empty", func(t *testing.T) {
		url1 = shared.Database(t)
		db := open(url1)
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("new database has %d tables (%v), want 0", n, err)
		}
		fi, err := os.Stat(shared.c.dir + "/data/postmaster.pid")
		if err != nil {
			t.Fatal(err)
		}
		if owner := fi.Sys().(*syscall.Stat_t).Uid; owner == 0 {
			t.Error("postgres runs as root")
		}
	})
	if url1 == "" {
		t.Skip("no cluster")
	}
	// url1 was dropped when its subtest ended.
	if err := open(url1).PingContext(ctx); err == nil {
		t.Errorf("database %s still exists after its test", url1)
	}

	prepared := 0
	prepare := func(url string) error {
		prepared++
		db, err := sql.Open("pgx", url)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, `CREATE TABLE seeded (v TEXT); INSERT INTO seeded VALUES ('x')`)
		return err
	}
	for range 2 {
		db := open(shared.Prepared(t, "seeded", prepare))
		var v string
		if err := db.QueryRowContext(ctx, `SELECT v FROM seeded`).Scan(&v); err != nil || v != "x" {
			t.Errorf("prepared copy: %q, %v", v, err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE seeded SET v = 'changed'`); err != nil {
			t.Fatal(err)
		}
	}
	if prepared != 1 {
		t.Errorf("prepare ran %d times, want once", prepared)
	}
}

func TestFindErrors(t *testing.T) {
	t.Setenv("HONNIN_PG_BIN", t.TempDir())
	if _, err := binDir(); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("HONNIN_PG_BIN without binaries: %v, want ErrNotInstalled", err)
	}
	if os.Geteuid() == 0 {
		t.Setenv("HONNIN_PG_USER", "no-such-user-honnin")
		if cred, err := runAs(); err == nil {
			t.Errorf("unknown HONNIN_PG_USER: %+v, want an error", cred)
		}
		t.Setenv("HONNIN_PG_USER", "root")
		if cred, err := runAs(); err == nil {
			t.Errorf("HONNIN_PG_USER=root: %+v, want an error (initdb refuses root)", cred)
		}
	}
}

func TestDatabaseName(t *testing.T) {
	tests := []struct {
		url  string
		want string
		ok   bool
	}{
		{"postgres:///t_12?host=/tmp/x&port=5432", "t_12", true},
		{"postgres:///postgres?host=/tmp/x", "", false},
		{"postgres:///t_1; DROP DATABASE x?host=/tmp", "", false}, // only names url made
		{"postgres:///t_x?host=/tmp", "", false},
		{"postgres://elsewhere/t_1?host=/tmp", "", false},
	}
	for _, tt := range tests {
		got, ok := databaseName(tt.url)
		if got != tt.want || ok != tt.ok {
			t.Errorf("databaseName(%q) = %q, %v; want %q, %v", tt.url, got, ok, tt.want, tt.ok)
		}
	}
}

// recorder is a testing.TB that notes a Skip or a Fatal instead of
// ending the test that runs it.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Skip(args ...any)                  { r.skipped = true; runtime.Goexit() }
func (r *recorder) Fatal(args ...any)                 { r.failed = true; runtime.Goexit() }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = true; runtime.Goexit() }

// Without binaries a test skips, unless CI=true: then it fails, so CI
// cannot pass having tested SQLite alone.
func TestSharedWithoutBinaries(t *testing.T) {
	t.Setenv("HONNIN_PG_BIN", t.TempDir())
	for _, tt := range []struct {
		ci                string
		wantSkip, wantErr bool
	}{
		{"", true, false},
		{"false", true, false},
		{"true", false, true},
	} {
		t.Setenv("CI", tt.ci)
		var s Shared
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Database(r)
		}()
		<-done
		if r.skipped != tt.wantSkip || r.failed != tt.wantErr {
			t.Errorf("CI=%q: skipped %v, failed %v; want %v, %v", tt.ci, r.skipped, r.failed, tt.wantSkip, tt.wantErr)
		}
		s.Stop()
	}
}

// sweep removes the folder of a cluster whose test binary died, and
// nothing else.
func TestSweep(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	old := time.Now().Add(-time.Hour)
	tests := []struct {
		name     string
		pid      string // contents of data/postmaster.pid; "" for none
		age      time.Time
		wantKept bool
	}{
		{"dead", "", old, false},
		{"dead-pid", "999999999\n/tmp/x\n", old, false},
		{"alive", strconv.Itoa(os.Getpid()) + "\n/tmp/x\n", old, true},
		{"initdb-at-work", "", time.Now(), true},
	}
	for _, tt := range tests {
		dir := filepath.Join(tmp, dirPrefix+tt.name)
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
			t.Fatal(err)
		}
		if tt.pid != "" {
			if err := os.WriteFile(filepath.Join(dir, "data", "postmaster.pid"), []byte(tt.pid), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(dir, tt.age, tt.age); err != nil {
			t.Fatal(err)
		}
	}
	other := filepath.Join(tmp, "someone-else")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(other, old, old)
	sweep()
	for _, tt := range tests {
		_, err := os.Stat(filepath.Join(tmp, dirPrefix+tt.name))
		if kept := err == nil; kept != tt.wantKept {
			t.Errorf("%s: kept %v, want %v", tt.name, kept, tt.wantKept)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("sweep removed a folder not its own: %v", err)
	}
}

// TestRestart: a restart ends the open connections (the pool's next
// query fails or reconnects), the data written before it is still there
// after, and the pool serves again without being reopened.
func TestRestart(t *testing.T) {
	url := shared.Database(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE kept (v INTEGER); INSERT INTO kept VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	var during error
	shared.Restart(t, func() { during = db.QueryRow(`SELECT 1`).Scan(new(int)) })
	if during == nil {
		t.Error("a query while the server was stopped succeeded")
	}
	var v int
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = db.QueryRow(`SELECT v FROM kept`).Scan(&v)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || v != 42 {
		t.Fatalf("after the restart: %d, %v; want 42 from the same pool", v, err)
	}
}
