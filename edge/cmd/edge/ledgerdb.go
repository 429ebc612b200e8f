package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"

	"github.com/honnin/honnin/edge/pgurl"

	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/ledger/postgres"
	"github.com/honnin/honnin/edge/ledger/sqlite"
)

// store is the edge's ledger and the database that holds it and the
// report queue: a SQLite file of this edge's own, or a PostgreSQL
// database several edges share (-db postgres://...).
type store struct {
	*ledger.SQL
	db    *sql.DB
	close func() error
}

func (s *store) DB() *sql.DB  { return s.db }
func (s *store) Close() error { return s.close() }

// openStore opens the ledger at dsn: a postgres:// or postgresql:// URL,
// or else a SQLite file (its folder made if missing).
func openStore(ctx context.Context, dsn string) (*store, error) {
	if postgres.IsURL(dsn) {
		l, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return &store{SQL: l.SQL, db: l.DB(), close: l.Close}, nil
	}
	if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
		return nil, err
	}
	l, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &store{SQL: l.SQL, db: l.DB(), close: l.Close}, nil
}

// redact is dsn fit for a log: a URL's password hidden.
func redact(dsn string) string { return pgurl.Redact(dsn) }
