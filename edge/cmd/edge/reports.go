package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/honnin/honnin/edge/report"
)

// reportsCommand is `edge reports list|requeue`: the outcomes the native
// edge still owes the issuer, and putting back in line those an operator
// fixed the cause of (a key rotated in, the issuer's URL corrected). It
// works on the database file while the edge runs (SQLite WAL). On Workers
// the same rows are in D1 (edge/README.md: "Outcomes the issuer has not got").
// It returns the exit code: 0, 1 on failure, 2 on bad usage.
func reportsCommand(args []string, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprintln(stderr, "usage: edge reports list [-db file] [-n max]\n       edge reports requeue [-db file] (-all | jti ...)")
		return 2
	}
	if len(args) == 0 {
		return usage()
	}
	verb := args[0]
	fs := flag.NewFlagSet("edge reports "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", env("HONNIN_EDGE_DB", ".dev/edge.db"), "the edge's SQLite file, or its PostgreSQL URL")
	n := fs.Int("n", 100, "list at most this many (0: all)")
	all := fs.Bool("all", false, "requeue every outcome")
	switch verb {
	case "list", "requeue":
	case "-h", "-help", "--help", "help":
		usage()
		return 0
	default:
		return usage()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if verb == "requeue" && (*all == (fs.NArg() > 0)) {
		fmt.Fprintln(stderr, "edge reports requeue: give -all or the jtis to requeue, not both")
		return 2
	}
	ctx := context.Background()
	l, err := openStore(ctx, *db)
	if err != nil {
		fmt.Fprintln(stderr, "edge reports:", err)
		return 1
	}
	defer l.Close()
	if verb == "requeue" {
		k, err := report.Requeue(ctx, l.DB(), time.Now(), fs.Args()...)
		if err != nil {
			fmt.Fprintln(stderr, "edge reports requeue:", err)
			return 1
		}
		fmt.Fprintf(stdout, "requeued %d\n", k)
		return 0
	}
	rows, err := report.List(ctx, l.DB(), *n)
	if err != nil {
		fmt.Fprintln(stderr, "edge reports list:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JTI\tAUTHENTICATION\tSTATUS\tSTATE\tTRIES\tDUE\tCREATED\tLAST ERROR")
	for _, q := range rows {
		state := "waiting"
		if q.Dead {
			state = "set aside"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%.80s\n", q.JTI, q.Sub, q.Status, state, q.Tries,
			q.Due.UTC().Format(time.RFC3339), q.Created.UTC().Format(time.RFC3339), q.LastError)
	}
	tw.Flush()
	return 0
}
