package main

import (
	"os"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer/store/pgtest"
)

// pg is this test binary's PostgreSQL cluster, started by the first test
// that needs it.
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	stackTemplate.remove()
	os.Exit(code)
}

// forEachDatabase runs test once per database engine
// (pgtest.ForEachEngine), as a subtest named for it, with what -db takes
// for a new, empty database.
func forEachDatabase(t *testing.T, test func(t *testing.T, db string)) {
	t.Helper()
	pg.ForEachEngine(t, func(t *testing.T, e pgtest.Engine) { test(t, e.Database(t)) })
}

// TestMigratePostgres: migrate takes a postgres:// URL, and neither its
// output nor its errors show the URL's password.
func TestMigratePostgres(t *testing.T) {
	db := pg.Database(t) + "&password=s3cret" // trust authentication ignores it
	out := migrateTwice(t, db)
	bad := "postgres://honnin:s3cret@127.0.0.1:1/issuer?sslmode=disable&connect_timeout=5" // nothing listens
	code, out2, errOut := cli(t, "migrate", "-db", bad)
	if code != exitFail || errOut == "" {
		t.Errorf("migrate against nothing: %d %q", code, errOut)
	}
	if all := out + errOut + out2; strings.Contains(all, "s3cret") {
		t.Errorf("the password is shown: %q", all)
	}
	if _, err := os.Stat("postgres:"); err == nil {
		t.Error("migrate made a folder named after the URL")
	}
}
