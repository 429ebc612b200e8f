package store

import (
	"context"
	"os"
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

// forEachEngine runs test once per engine (pgtest.ForEachEngine: SQLite,
// then PostgreSQL), as a subtest named for it, on a fresh migrated store.
// A store test is written
//
//	func TestX(t *testing.T) { forEachEngine(t, testX) }
//
//	func testX(t *testing.T, s *Store) { ... }
func forEachEngine(t *testing.T, test func(t *testing.T, s *Store)) {
	t.Helper()
	pg.ForEachEngine(t, func(t *testing.T, e pgtest.Engine) {
		test(t, openTest(t, pgtest.Migrated(t, e, Open)))
	})
}

// forEachDatabase runs test once per engine with the address of a new,
// empty database, for tests that open (and migrate) it themselves.
func forEachDatabase(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Helper()
	pg.ForEachEngine(t, func(t *testing.T, e pgtest.Engine) { test(t, e.Database(t)) })
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
