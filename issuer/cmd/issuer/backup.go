package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/honnin/honnin/issuer/store"
)

// backup is `issuer backup`: a consistent copy of a SQLite database taken
// while the issuer serves (store.Backup). It neither migrates nor creates
// the database it copies: a backup must not change what it backs up.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("backup", "Writes a consistent copy of the issuer's SQLite database to -out while the\n"+
		"issuer keeps serving, checks the copy's integrity, and prints its size.\n"+
		"-out must not exist. The copy holds sealed seeds and card-number hashes:\n"+
		"it is mode 0600; keep it with the same care as the database (the keys\n"+
		"that open it, -vault-key-file and -pan-key-file, are backed up apart).\n"+
		"A PostgreSQL database is backed up with pg_dump or a base backup.", stdout)
	db := f.String("db", env("HONNIN_ISSUER_DB", defaultDB), dbUsage)
	out := f.String("out", "", "the file to write (required; must not exist)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"-out is required"}
	}
	if store.IsPostgres(*db) {
		return usageError{store.ErrBackupPostgres.Error()}
	}
	if _, err := os.Stat(*db); err != nil {
		return fmt.Errorf("backup: database %s: %w", *db, err)
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, *out); err != nil {
		if errors.Is(err, os.ErrExist) {
			return usageError{fmt.Sprintf("-out %s exists: a backup never overwrites a file", *out)}
		}
		return err
	}
	fi, err := os.Stat(*out)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "BACKED UP %s to %s (%d bytes, integrity ok)\n", *db, *out, fi.Size())
	return nil
}
