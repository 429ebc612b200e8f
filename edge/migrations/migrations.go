// Package migrations is the edge's database schema, one numbered SQL file
// per change, shared by both runtimes: wrangler applies the files to D1
// (wrangler.toml migrations_dir), and Apply applies the same files to the
// native edge's SQLite. A deployed migration is never edited; a change is a
// new file.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

//go:embed *.sql
var files embed.FS

// File is one migration: its number (from the NNNN_ prefix), name and SQL.
type File struct {
	Version int
	Name    string
	SQL     string
}

// All returns the migrations in version order. Numbers start at 1 with no
// gap or duplicate, as wrangler would apply them in file-name order.
func All() ([]File, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]File, 0, len(names))
	for i, n := range names {
		num, _, ok := strings.Cut(n, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != i+1 {
			return nil, fmt.Errorf("migrations: %s: want %04d_name.sql", n, i+1)
		}
		b, err := fs.ReadFile(files, n)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Version: v, Name: n, SQL: string(b)})
	}
	return out, nil
}

// Apply brings a SQLite database up to the newest migration, each one in
// its own transaction with the version (PRAGMA user_version) it reaches, so
// a crash leaves the database at a migration's boundary. A database made
// before the edge tracked versions (version 0, tables of 0001 and 0002
// present) takes 0001 and 0002 again harmlessly: they only create what is
// missing.
func Apply(ctx context.Context, db *sql.DB) error {
	all, err := All()
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer conn.Close()
	var have int
	if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&have); err != nil {
		return fmt.Errorf("migrations: read version: %w", err)
	}
	for _, f := range all {
		if f.Version <= have {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrations: %s: %w", f.Name, err)
		}
		if _, err := tx.ExecContext(ctx, f.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrations: %s: %w", f.Name, err)
		}
		// PRAGMA takes no parameters; the version is a number we made.
		if _, err := tx.ExecContext(ctx, `PRAGMA user_version = `+strconv.Itoa(f.Version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrations: %s: %w", f.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrations: %s: %w", f.Name, err)
		}
	}
	return nil
}
