package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/honnin/honnin/issuer/store/pgtest"
)

// pg is this test binary's PostgreSQL cluster, started by the first test
// that needs it.
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// engine is a database engine the store runs on, for tests.
type engine struct {
	name string
	// database returns the address of a new, empty database for t: what
	// Open takes (a SQLite file path, a PostgreSQL URL).
	database func(t testing.TB) string
	// migrated returns one already migrated; nil: migrate a new one.
	migrated func(t testing.TB) string
}

// engines are every engine the store supports: each store test runs on
// all of them (the PostgreSQL ones skip without the binaries, or fail when
// CI=true; see pgtest).
var engines = []engine{
	{name: "sqlite", database: func(t testing.TB) string { return filepath.Join(t.TempDir(), "issuer.db") }},
	{name: "postgres", database: pg.Database, migrated: func(t testing.TB) string {
		// Copies of one migrated database: a copy takes a third of the
		// time migrating takes.
		return pg.Prepared(t, "migrated", func(url string) error {
			s, err := Open(context.Background(), url)
			if err != nil {
				return err
			}
			defer s.Close()
			_, err = s.Migrate(context.Background())
			return err
		})
	}},
}

// forEachEngine runs test once per engine, as a subtest named for it, on
// a fresh migrated store. A store test is written
//
//	func TestX(t *testing.T) { forEachEngine(t, testX) }
//
//	func testX(t *testing.T, s *Store) { ... }
func forEachEngine(t *testing.T, test func(t *testing.T, s *Store)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			if e.migrated != nil {
				test(t, openTest(t, e.migrated(t)))
				return
			}
			test(t, openTest(t, e.database(t)))
		})
	}
}

// forEachDatabase runs test once per engine with the address of a new,
// empty database, for tests that open (and migrate) it themselves.
func forEachDatabase(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e.database(t)) })
	}
}

// openTest opens and migrates the database dsn, closed when t ends.
func openTest(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
