package api

import (
	"context"
	"os"
	"path/filepath"
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
// harness. make test runs this package once with each, so every API test
// runs on both engines without running twice in an ordinary go test.
const testDBEnv = "HONNIN_TEST_DB"

// testDB returns the database a harness runs on (see testDBEnv).
func testDB(t testing.TB, dir string) string {
	t.Helper()
	switch e := os.Getenv(testDBEnv); e {
	case "", "sqlite":
		return filepath.Join(dir, "issuer.db")
	case "postgres":
		// Copies of one migrated database: quicker than migrating each.
		return pg.Prepared(t, "migrated", func(url string) error {
			st, err := store.Open(context.Background(), url)
			if err != nil {
				return err
			}
			defer st.Close()
			_, err = st.Migrate(context.Background())
			return err
		})
	default:
		t.Fatalf("%s=%q: want sqlite or postgres", testDBEnv, e)
		return ""
	}
}
