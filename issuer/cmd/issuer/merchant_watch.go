package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store"
)

// The watch list names merchants, by account: the risk rule
// merchant_watchlist fires for every authentication a listed merchant
// creates, whatever name it is shown under.

// watchedMerchant finds the merchant -name names, for the watch commands.
func watchedMerchant(ctx context.Context, st *store.Store, name string) (issuer.Merchant, error) {
	m, err := st.MerchantByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return issuer.Merchant{}, fmt.Errorf("no merchant named %q (see issuer merchant list)", name)
	}
	return m, err
}

func merchantWatchAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("merchant watch add", "Puts a merchant on the watch list: the risk rule merchant_watchlist fires for\n"+
		"every authentication it creates (a deny with the default weights). Adding it again\n"+
		"changes the note.", stdout)
	name := c.String("name", "", "the merchant's account name")
	note := c.String("note", "", "why, for the listing")
	check := func() error {
		if *name == "" {
			return usageError{"-name is required"}
		}
		if why := checkText(*note, maxText); why != "" {
			return usageError{"-note " + why}
		}
		return nil
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		m, err := watchedMerchant(ctx, st, *name)
		if err != nil {
			return err
		}
		if err := st.WatchMerchant(ctx, m.ID, *note, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "watching merchant %q id %d\n", m.Name, m.ID)
		return nil
	})
}

func merchantWatchRemove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("merchant watch remove", "Takes a merchant off the watch list.", stdout)
	name := c.String("name", "", "the merchant's account name")
	check := func() error {
		if *name == "" {
			return usageError{"-name is required"}
		}
		return nil
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		m, err := watchedMerchant(ctx, st, *name)
		if err != nil {
			return err
		}
		err = st.UnwatchMerchant(ctx, m.ID)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("merchant %q is not on the watch list", m.Name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "no longer watching merchant %q id %d\n", m.Name, m.ID)
		return nil
	})
}

func merchantWatchList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("merchant watch list", "Lists the watched merchants: account name, display name, note, when added.\n"+
		"Names from the old watch list (by name, before schema version 10) that matched no\n"+
		"merchant are reported on stderr: nothing uses them.", stdout)
	asJSON := c.Bool("json", false, "print a JSON array instead of a table")
	return c.run(ctx, args, nil, func(st *store.Store) error {
		ws, err := st.WatchedMerchants(ctx)
		if err != nil {
			return err
		}
		unmatched, err := st.UnmatchedWatchNames(ctx)
		if err != nil {
			return err
		}
		if len(unmatched) > 0 {
			fmt.Fprintf(stderr, "%d names of the old watch list match no merchant and are not used: %q\n"+
				"(table merchant_watchlist_names; watch the merchant they meant with issuer merchant watch add)\n",
				len(unmatched), unmatched)
		}
		if *asJSON {
			type row struct {
				ID          int64  `json:"id"`
				Name        string `json:"name"`
				DisplayName string `json:"display_name"`
				Note        string `json:"note"`
				Added       string `json:"added"`
			}
			rows := make([]row, 0, len(ws))
			for _, w := range ws {
				rows = append(rows, row{w.MerchantID, w.Name, w.DisplayName, w.Note, w.AddedAt.Format(time.RFC3339)})
			}
			return printJSON(stdout, rows)
		}
		if len(ws) == 0 {
			fmt.Fprintln(stdout, "no merchant is watched")
			return nil
		}
		tw := newTable(stdout, "ID\tNAME\tDISPLAY NAME\tNOTE\tADDED")
		for _, w := range ws {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", w.MerchantID, w.Name, w.DisplayName, orDash(strings.TrimSpace(w.Note)), w.AddedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	})
}
