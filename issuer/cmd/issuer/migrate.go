package main

import (
	"context"
	"fmt"
	"io"
)

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", "Applies the schema migrations the database lacks; safe to run at any time.", stdout)
	db := f.String("db", env("HONNIN_ISSUER_DB", defaultDB), "SQLite database file (env HONNIN_ISSUER_DB)")
	if err := f.parse(args); err != nil {
		return err
	}
	st, applied, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "%s: schema up to date\n", *db)
		return nil
	}
	fmt.Fprintf(stdout, "%s: applied migrations %v\n", *db, applied)
	return nil
}
