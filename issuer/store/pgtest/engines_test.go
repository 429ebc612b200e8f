package pgtest

import (
	"context"
	"database/sql"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// miniStore is the least a Migrator can be: a database whose schema is one
// table, counting the migrations it runs.
type miniStore struct {
	db         *sql.DB
	migrations *atomic.Int32
}

func openMini(migrations *atomic.Int32) func(context.Context, string) (*miniStore, error) {
	return func(ctx context.Context, dsn string) (*miniStore, error) {
		driver := "sqlite"
		if strings.HasPrefix(dsn, "postgres:") {
			driver = "pgx"
		}
		db, err := sql.Open(driver, dsn)
		if err != nil {
			return nil, err
		}
		return &miniStore{db: db, migrations: migrations}, db.PingContext(ctx)
	}
}

func (s *miniStore) Migrate(ctx context.Context) ([]int, error) {
	s.migrations.Add(1)
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_v1 (v TEXT)`)
	return []int{1}, err
}

func (s *miniStore) Close() error { return s.db.Close() }

// TestForEachEngine: a test runs once on SQLite, then once on PostgreSQL,
// as subtests named for them; each engine gives databases of its kind,
// empty, or migrated: migrated once, and each a copy of its own.
func TestForEachEngine(t *testing.T) {
	var ran []string
	shared.ForEachEngine(t, func(t *testing.T, e Engine) {
		ran = append(ran, e.Name)
		if !strings.HasSuffix(t.Name(), "/"+e.Name) {
			t.Errorf("subtest %s for engine %s", t.Name(), e.Name)
		}
		db := e.Database(t)
		switch e.Name {
		case SQLite:
			if _, err := os.Stat(db); !os.IsNotExist(err) {
				t.Errorf("new SQLite database %s exists already (%v)", db, err)
			}
		case Postgres:
			if !strings.HasPrefix(db, "postgres:///t_") {
				t.Errorf("PostgreSQL database %q", db)
			}
		}

		var migrations atomic.Int32
		for i := range 2 {
			dsn := Migrated(t, e, openMini(&migrations))
			s, err := openMini(new(atomic.Int32))(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := s.db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM schema_v1`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%s: migrated database %d: %d rows (%v), want the schema, empty", e.Name, i, n, err)
			}
			// The next copy must not see this.
			if _, err := s.db.ExecContext(t.Context(), `INSERT INTO schema_v1 VALUES ('x')`); err != nil {
				t.Error(err)
			}
			s.Close()
		}
		// Once, then copied (or none: an earlier test of this binary, or
		// an earlier -count, migrated it).
		if n := migrations.Load(); n > 1 {
			t.Errorf("%s: %d migrations for two databases, want at most 1", e.Name, n)
		}
	})
	if want := []string{SQLite, Postgres}; !slices.Equal(ran, want) {
		t.Errorf("ran on %v, want %v", ran, want)
	}
}

// TestEngineByName: Engine finds an engine by name, and fails the test
// for a name that is none.
func TestEngineByName(t *testing.T) {
	for _, name := range []string{SQLite, Postgres} {
		if e := shared.Engine(t, name); e.Name != name {
			t.Errorf("Engine(%q) = %q", name, e.Name)
		}
	}
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		shared.Engine(r, "mysql")
	}()
	<-done
	if !r.failed {
		t.Error(`Engine("mysql") did not fail the test`)
	}
}

// TestStopRemovesSQLiteTemplates: Stop leaves no prepared SQLite file
// behind.
func TestStopRemovesSQLiteTemplates(t *testing.T) {
	var s Shared
	Migrated(t, s.Engine(t, SQLite), openMini(new(atomic.Int32)))
	dir := s.sqliteDir
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("template folder: %v", err)
	}
	s.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after Stop, %s: %v; want it gone", dir, err)
	}
}
