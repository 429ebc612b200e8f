package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// ErrBackupPostgres: Backup copies SQLite files only. A PostgreSQL
// database is backed up with the server's own tools (pg_dump, or a base
// backup with WAL archiving), which see every replica's writes.
var ErrBackupPostgres = errors.New("store: backup: a PostgreSQL database is backed up with pg_dump or a base backup, not by the issuer")

// Backup writes a consistent copy of the SQLite database to dest while the
// issuer keeps serving: VACUUM INTO reads one snapshot (WAL readers never
// wait for the writer, nor it for them) and writes a compact file with no
// -wal companion, ready to open. dest must not exist: a backup never
// overwrites one. It is created mode 0600 before SQLite writes it, as the
// database is (it holds the sealed seeds and hashed card numbers), and the
// copy is checked with PRAGMA integrity_check before Backup returns. A
// failed backup removes its partial file.
func (s *Store) Backup(ctx context.Context, dest string) (err error) {
	if s.d.name == postgres.name {
		return ErrBackupPostgres
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(dest)
		}
	}()
	// VACUUM INTO takes an empty existing file; the name is bound, never
	// spliced into the SQL.
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return fmt.Errorf("store: backup to %s: %w", dest, err)
	}
	// Read-only: the check must not give the copy -wal or -shm files.
	copyDB, err := sql.Open("sqlite", "file:"+dest+"?mode=ro")
	if err != nil {
		return fmt.Errorf("store: backup: open the copy: %w", err)
	}
	defer copyDB.Close()
	var result string
	if err := copyDB.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return fmt.Errorf("store: backup: check the copy: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("store: backup: the copy fails its integrity check: %s", result)
	}
	return nil
}
