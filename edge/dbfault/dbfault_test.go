package dbfault

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/honnin/honnin/edge/sqlitedb"
)

// TestUnavailable: the errors of a database that cannot serve now are
// told apart from those of a request or a bug, from real engines where
// they can be made here.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	// A real SQLite READONLY: a write through a read-only connection.
	path := filepath.Join(t.TempDir(), "ro.db")
	rw, err := sqlitedb.Open("file:"+path, sqlitedb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER)`); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, readonly := ro.ExecContext(ctx, `UPDATE schema_migrations SET version = version`)
	// A real SQLite error that is the request's fault.
	_, syntax := ro.ExecContext(ctx, `SELEC nothing`)
	// A real PostgreSQL connect error: nothing listens on port 1.
	_, connect := pgconn.Connect(ctx, "postgres://u@127.0.0.1:1/db?connect_timeout=2&sslmode=disable")

	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"sqlite read-only", fmt.Errorf("store: x: %w", readonly), true},
		{"sqlite syntax", syntax, false},
		{"writer's turn waited out", fmt.Errorf("store: x: %w", sqlitedb.ErrBusy), true},
		{"bad connection", driver.ErrBadConn, true},
		{"connection done", sql.ErrConnDone, true},
		{"postgres connect refused", fmt.Errorf("store: merchant by key: %w", connect), true},
		{"postgres shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"postgres too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"postgres standby", &pgconn.PgError{Code: "25006"}, true},
		{"postgres unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"postgres serialization", &pgconn.PgError{Code: "40001"}, false},
		{"no rows", sql.ErrNoRows, false},
		{"anything else", errors.New("boom"), false},
	} {
		if tt.err == nil && tt.name != "nil" {
			t.Fatalf("%s: the engine gave no error to classify", tt.name)
		}
		if got := Unavailable(tt.err); got != tt.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
