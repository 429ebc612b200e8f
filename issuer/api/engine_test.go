package api

import (
	"os"
	"testing"

	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// pg is this test binary's PostgreSQL cluster, started by the first
// harness that needs it.
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// testDBEnv names the engine the API tests run on: unset or "sqlite", a
// SQLite file per harness; "postgres", a database of pgtest's cluster per
// harness. make check and make test run this package once with each, so
// every API test runs on both engines without running twice in an
// ordinary go test. (The portal's and the store's tests run on both in
// every go test, through pg.ForEachEngine; the API's tests can follow once
// the use cases have moved out of this package.)
const testDBEnv = "HONNIN_TEST_DB"

// testDB returns the migrated database a harness runs on (see testDBEnv).
func testDB(t testing.TB) string {
	t.Helper()
	name := os.Getenv(testDBEnv)
	if name == "" {
		name = pgtest.SQLite
	}
	return pgtest.Migrated(t, pg.Engine(t, name), store.Open)
}
