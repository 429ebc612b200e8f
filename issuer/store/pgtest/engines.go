package pgtest

import (
	"context"
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
	pg   *Shared
}

// Engines returns every engine the store runs on, SQLite first.
func (s *Shared) Engines() []Engine {
	return []Engine{{Name: SQLite}, {Name: Postgres, pg: s}}
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
	if e.pg == nil {
		return filepath.Join(t.TempDir(), "issuer.db")
	}
	return e.pg.Database(t)
}

// Migrator is what Migrated needs of the issuer's store. pgtest cannot
// import the store: the store's own tests import pgtest.
type Migrator interface {
	Migrate(ctx context.Context) (applied []int, err error)
	Close() error
}

// Migrated returns the address of a new database on e with the store's
// schema: open (store.Open) opens it and Migrate gives it the schema. On
// PostgreSQL it is a copy of one database migrated once per test binary,
// which takes a third of the time migrating does.
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
	if e.pg != nil {
		return e.pg.Prepared(t, "migrated", migrate)
	}
	dsn := e.Database(t)
	if err := migrate(dsn); err != nil {
		t.Fatalf("pgtest: migrate %s: %v", dsn, err)
	}
	return dsn
}
