package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// The list commands (cardholder, merchant, token, outbox, ranges) print
// either an indented JSON array for scripts (-json) or an aligned table for
// people; these two keep every listing looking the same.

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// newTable starts an aligned table with its header line (tab-separated
// column names); the caller writes rows and flushes.
func newTable(w io.Writer, header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	return tw
}

// listFlags are the flags every list command takes: -limit (100 by
// default; 0 for all) and -json.
type listFlags struct {
	limit  *int
	asJSON *bool
}

func addListFlags(f *flags, what string) listFlags {
	return listFlags{
		limit:  f.Int("limit", 100, "at most this many "+what+" (0: all)"),
		asJSON: f.Bool("json", false, "print a JSON array instead of a table"),
	}
}

// check refuses a negative -limit.
func (l listFlags) check() error {
	if *l.limit < 0 {
		return usageError{"-limit must not be negative"}
	}
	return nil
}
