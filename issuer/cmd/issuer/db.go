package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/honnin/honnin/issuer/store"
)

// dbUsage describes the -db flag every command that touches the database
// takes.
const dbUsage = "SQLite database file, or postgres://user:pass@host/db URL of a PostgreSQL database (env HONNIN_ISSUER_DB)"

// openStore opens the database path names (a SQLite file, its folder
// created if needed, or a postgres:// URL) and migrates it: every command
// that touches the database wants the current schema.
func openStore(ctx context.Context, path string) (*store.Store, []int, error) {
	if path == "" {
		return nil, nil, usageError{"-db is required"}
	}
	if !store.IsPostgres(path) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, nil, fmt.Errorf("database folder: %w", err)
		}
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, applied, nil
}

const (
	defaultDB     = ".dev/issuer.db"
	defaultKeys   = ".dev/keys"
	defaultPANKey = ".dev/pan.key"
	// defaultVaultKey sits beside the PAN key, not in the keys folder:
	// that one holds what the edge may also read.
	defaultVaultKey = ".dev/vault.key"
)
