package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/honnin/honnin/edge/ledger"
)

// defaultLedgerDays is how long the native edge keeps a ledger row after
// its last change: its tokens lived minutes, so a week is for an operator
// looking into a complaint (what the edge counted), not for the edge; the
// Workers edge prunes after a day (edgeworker). Queued reports are never
// pruned (see ledger.pruneRules).
const defaultLedgerDays = 7

// pruneCommand is `edge prune`: the ledger's retention once, now. It
// works on the file while the edge runs (SQLite WAL; the batches keep the
// write lock short). It returns the exit code: 0, 1 on failure, 2 on bad
// usage.
func pruneCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("edge prune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", env("HONNIN_EDGE_DB", ".dev/edge.db"), "the edge's SQLite file, or its PostgreSQL URL")
	days := fs.Int("ledger-days", defaultLedgerDays, "delete ledger rows untouched for this many days (at least 1)")
	batch := fs.Int("batch", ledger.DefaultPruneBatch, "rows per delete: the longest the prune holds the write lock at once")
	dryRun := fs.Bool("dry-run", false, "count what would be removed; change nothing")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || *days < 1 || *batch < 1 {
		fmt.Fprintln(stderr, "usage: edge prune [-db file] [-ledger-days N ≥ 1] [-batch N ≥ 1] [-dry-run]")
		return 2
	}
	ctx := context.Background()
	l, err := openStore(ctx, *db)
	if err != nil {
		fmt.Fprintln(stderr, "edge prune:", err)
		return 1
	}
	defer l.Close()
	got, err := l.PruneTables(ctx, time.Now().Add(-time.Duration(*days)*24*time.Hour), *batch, *dryRun)
	verb := "REMOVED"
	if *dryRun {
		verb = "WOULD REMOVE"
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "TABLE\t%s\n", verb)
	for _, p := range got {
		fmt.Fprintf(tw, "%s\t%d\n", p.Table, p.Rows)
	}
	tw.Flush()
	if err != nil {
		fmt.Fprintln(stderr, "edge prune:", err)
		return 1
	}
	return 0
}

// tablePruner is what the background pruner needs of the ledger.
type tablePruner interface {
	PruneTables(ctx context.Context, before time.Time, batch int, dryRun bool) ([]ledger.Pruned, error)
}

// pruner prunes the ledger in the background of the edge: once at start,
// then at every tick, in one goroutine, so runs never overlap (a tick
// during a run is dropped by the ticker, not queued).
type pruner struct {
	l    tablePruner
	keep time.Duration
	now  func() time.Time
	log  *slog.Logger
}

// run prunes until ctx ends.
func (p *pruner) run(ctx context.Context, tick <-chan time.Time) {
	for {
		start := time.Now()
		got, err := p.l.PruneTables(ctx, p.now().Add(-p.keep), ledger.DefaultPruneBatch, false)
		attrs := []any{"took", time.Since(start).Round(time.Millisecond)}
		for _, c := range got {
			attrs = append(attrs, c.Table, c.Rows)
		}
		switch {
		case err != nil && ctx.Err() == nil:
			p.log.Warn("edge: prune", append(attrs, "err", err)...)
		case err == nil:
			p.log.Info("edge: prune", attrs...)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}
