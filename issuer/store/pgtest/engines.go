package pgtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The engines' names: the subtests' of ForEachEngine, and what Engine takes.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Engine is one of the database engines the issuer's store runs on, as a
// test sees it: a place to get fresh databases from, in the form
// store.Open takes (a SQLite file's path, a PostgreSQL URL).
type Engine struct {
	Name string // SQLite or Postgres
	s    *Shared
}

// Engines returns every engine the store runs on, SQLite first.
func (s *Shared) Engines() []Engine {
	return []Engine{{Name: SQLite, s: s}, {Name: Postgres, s: s}}
}

// ForEachEngine runs test once per engine, each as a subtest named for the
// engine: how a test proves its behaviour on both. Without PostgreSQL the
// postgres subtest skips, or fails when CI=true (edge/testenv).
//
//	func TestX(t *testing.T) { pg.ForEachEngine(t, testX) }
//
//	func testX(t *testing.T, e pgtest.Engine) { ... e.Database(t) ... }
func (s *Shared) ForEachEngine(t *testing.T, test func(t *testing.T, e Engine)) {
	t.Helper()
	for _, e := range s.Engines() {
		t.Run(e.Name, func(t *testing.T) { test(t, e) })
	}
}

// Engine returns the engine called name (SQLite or Postgres), for tests
// that run on one engine their caller chose, and benchmarks. Another name
// fails t.
func (s *Shared) Engine(t testing.TB, name string) Engine {
	t.Helper()
	for _, e := range s.Engines() {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("pgtest: no engine %q: want %s or %s", name, SQLite, Postgres)
	return Engine{}
}

// Database returns the address of a new, empty database on e, gone when t
// ends: a file in a temporary folder of t's, or a database of the shared
// cluster (see Shared.Database).
func (e Engine) Database(t testing.TB) string {
	t.Helper()
	if e.Name == SQLite {
		return filepath.Join(t.TempDir(), "issuer.db")
	}
	return e.s.Database(t)
}

// Migrator is what Migrated needs of the issuer's store. pgtest cannot
// import the store: the store's own tests import pgtest.
type Migrator interface {
	Migrate(ctx context.Context) (applied []int, err error)
	Close() error
}

// Migrated returns the address of a new database on e with the store's
// schema: open (store.Open) opens it and Migrate gives it the schema. It
// is a copy of one database migrated once per test binary: on PostgreSQL
// a copy takes a third of the time migrating does; on SQLite a copy is a
// file copy, where a migration parses every statement, in instrumented
// code under -race (a quarter of the portal's tests' CPU, before).
func Migrated[S Migrator](t testing.TB, e Engine, open func(context.Context, string) (S, error)) string {
	t.Helper()
	migrate := func(dsn string) error {
		ctx := context.Background()
		s, err := open(ctx, dsn)
		if err != nil {
			return err
		}
		defer s.Close()
		_, err = s.Migrate(ctx)
		return err
	}
	if e.Name == SQLite {
		return e.s.preparedSQLite(t, "migrated", migrate)
	}
	return e.s.Prepared(t, "migrated", migrate)
}

// preparedSQLite is Prepared for SQLite: a copy, in a temporary folder of
// t's, of a file prepare was run on once per name.
func (s *Shared) preparedSQLite(t testing.TB, name string, prepare func(path string) error) string {
	t.Helper()
	s.mu.Lock()
	tpl, ok := s.sqlite[name]
	if !ok {
		var err error
		if s.sqliteDir == "" {
			s.sqliteDir, err = os.MkdirTemp("", "honnin-sqlite-") // not dirPrefix: sweep would take it for a dead cluster
		}
		if err == nil {
			tpl = filepath.Join(s.sqliteDir, name+".db")
			err = prepare(tpl)
		}
		if _, werr := os.Stat(tpl + "-wal"); err == nil && werr == nil {
			err = errors.New("its write-ahead log outlived it: prepare must close the database")
		}
		if err != nil {
			s.mu.Unlock()
			t.Fatalf("pgtest: prepare SQLite %s: %v", name, err)
		}
		if s.sqlite == nil {
			s.sqlite = map[string]string{}
		}
		s.sqlite[name] = tpl
	}
	s.mu.Unlock()
	path := filepath.Join(t.TempDir(), "issuer.db")
	// prepare closed its database: SQLite has checkpointed the write-ahead
	// log into the file and removed it, so the file is the whole database.
	b, err := os.ReadFile(tpl)
	if err == nil {
		err = os.WriteFile(path, b, 0o600)
	}
	if err != nil {
		t.Fatalf("pgtest: copy SQLite %s: %v", name, err)
	}
	return path
}
