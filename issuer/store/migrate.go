package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
	// fkOff: the file's first line is "-- honnin:foreign-keys-off", for a
	// table rebuild (SQLite's only way to change a constraint): it runs
	// with foreign keys off on its own connection, and must leave no
	// dangling reference.
	fkOff bool
}

const fkOffMarker = "-- honnin:foreign-keys-off"

// migrationList lists the dialect's migrations in version order. File names
// are NNNN_name.sql; a gap or a duplicate number is an error, so two
// branches adding the same number fail at test time, not in production.
func (d dialect) migrationList() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, d.migrations)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var list []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("store: migration %s: name is not NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(d.migrations, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", e.Name(), err)
		}
		fkOff := strings.HasPrefix(string(b), fkOffMarker+"\n")
		if fkOff && !d.foreignKeysOff {
			return nil, fmt.Errorf("store: migration %s: %s is for SQLite table rebuilds, not %s", e.Name(), fkOffMarker, d.name)
		}
		list = append(list, migration{version: v, name: e.Name(), sql: string(b), fkOff: fkOff})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].version < list[j].version })
	for i, m := range list {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %s: want version %d (no gaps or duplicates)", m.name, i+1)
		}
	}
	return list, nil
}

// Migrate applies the migrations the database lacks, each in its own
// transaction together with its schema_migrations row, and returns the
// versions it applied (none when the schema is current). It is safe to run
// at every start and from two processes at once: the version check happens
// inside the write transaction.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	list, err := s.d.migrationList()
	if err != nil {
		return nil, err
	}
	if err := s.migrationTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT    NOT NULL,
			applied_at BIGINT  NOT NULL
		)`)
		return err
	}); err != nil {
		return nil, fmt.Errorf("store: migrate: create schema_migrations: %w", err)
	}
	var newest sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&newest); err != nil {
		return nil, fmt.Errorf("store: migrate: read version: %w", err)
	}
	if newest.Valid && int(newest.Int64) > len(list) {
		return nil, fmt.Errorf("store: migrate: database is at version %d, this program knows %d: run a newer program", newest.Int64, len(list))
	}
	var applied []int
	for _, m := range list {
		done := false
		err := s.migrationTx(ctx, m.fkOff, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if m.fkOff {
				if err := foreignKeyCheck(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
				m.version, m.name, ms(time.Now()))
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("store: migrate %s: %w", m.name, err)
		}
		if !done {
			applied = append(applied, m.version)
		}
	}
	return applied, nil
}

// migrationTx runs fn in a transaction that concurrent migrations wait
// for (SQLite's write lock, PostgreSQL's advisory lock); with fkOff, on a
// connection of its own whose foreign keys are off for the transaction (the
// pragma is a no-op inside one, so it is set before and restored after).
// It is not retried: DDL that conflicts is a bug to see, not to hide.
func (s *Store) migrationTx(ctx context.Context, fkOff bool, fn func(*sql.Tx) error) error {
	if !fkOff {
		return runTx(ctx, s.db, s.d.migrationTx, s.d.migrationLock, fn)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// foreignKeyCheck fails if any row references a missing parent.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("foreign key check: %s row %d references a missing %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}
