package main

import (
	"context"
	"fmt"
	"io"

	"github.com/honnin/honnin/issuer/store"
)

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", "Applies the schema migrations the database lacks; safe to run at any time.", stdout)
	db := f.String("db", env("HONNIN_ISSUER_DB", defaultDB), dbUsage)
	if err := f.parse(args); err != nil {
		return err
	}
	st, applied, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "%s: schema up to date\n", store.Redact(*db))
		return nil
	}
	fmt.Fprintf(stdout, "%s: applied migrations %v\n", store.Redact(*db), applied)
	return nil
}
