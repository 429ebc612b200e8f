package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/honnin/honnin/issuer/portal"
	"github.com/honnin/honnin/issuer/store"
)

// retentionFlags are the retention rules' flags, shared by `issuer prune`
// and `issuer serve` (which prunes every -prune-every). The defaults and
// their reasons are store.DefaultRetention's.
type retentionFlags struct {
	auditDays, finishedDays, sendsDays, outboxDays *int
	abandoned                                      *time.Duration
	batch                                          *int
}

const day = 24 * time.Hour

func addRetentionFlags(f *flags) *retentionFlags {
	return &retentionFlags{
		auditDays: f.Int("audit-days", int(store.DefaultAudit/day),
			"delete audit entries older than this many days (a year of disputes and a margin; 0: keep for ever)"),
		finishedDays: f.Int("finished-days", int(store.DefaultFinished/day),
			"delete authentications ended this many days ago, with their results, audit entries and sends; fraud-reported ones are kept (0: keep for ever)"),
		abandoned: f.Duration("abandoned-after", store.DefaultAbandoned,
			"end authentications left in progress this long after their last change as N timed_out and clear their sealed code (0: never)"),
		sendsDays: f.Int("sends-days", int(store.DefaultSends/day),
			"delete the send log's entries older than this many days (the send cap reads one day back; 0: keep for ever)"),
		outboxDays: f.Int("outbox-days", int(store.DefaultOutbox/day),
			"delete outbox messages sent or failed this many days ago (0: keep for ever)"),
		batch: f.Int("prune-batch", store.DefaultPruneBatch, "rows per delete: on SQLite, the longest the prune holds the write lock at once"),
	}
}

// retention returns the rules the flags set; portal sessions, codes and
// address attempts go at the portal's own expiry.
func (rf *retentionFlags) retention() (store.Retention, error) {
	for name, v := range map[string]int{"-audit-days": *rf.auditDays, "-finished-days": *rf.finishedDays,
		"-sends-days": *rf.sendsDays, "-outbox-days": *rf.outboxDays} {
		if v < 0 {
			return store.Retention{}, usageError{name + " must not be negative"}
		}
	}
	if *rf.abandoned < 0 {
		return store.Retention{}, usageError{"-abandoned-after must not be negative"}
	}
	if *rf.batch < 1 {
		return store.Retention{}, usageError{"-prune-batch must be at least 1"}
	}
	return store.Retention{
		Audit:       time.Duration(*rf.auditDays) * day,
		Finished:    time.Duration(*rf.finishedDays) * day,
		Abandoned:   *rf.abandoned,
		Sends:       time.Duration(*rf.sendsDays) * day,
		Outbox:      time.Duration(*rf.outboxDays) * day,
		SessionIdle: portal.IdleTimeout, SessionMax: portal.AbsoluteTimeout,
		PortalCodes: true, Attempts: portal.IPWindow,
		Batch: *rf.batch,
	}, nil
}

// prune is `issuer prune`: the retention rules once, now.
func prune(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("prune", "Deletes what the retention rules say the database no longer needs, in batches,\n"+
		"and prints what each rule removed. Safe while the issuer runs (and while\n"+
		"another replica prunes). -dry-run only counts. 'issuer serve' runs the same\n"+
		"rules every -prune-every.", stdout)
	db := f.String("db", env("HONNIN_ISSUER_DB", defaultDB), dbUsage)
	dryRun := f.Bool("dry-run", false, "count what would be removed; change nothing")
	rf := addRetentionFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	r, err := rf.retention()
	if err != nil {
		return err
	}
	st, _, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	got, err := st.Prune(ctx, r, time.Now(), *dryRun)
	verb := "REMOVED"
	if *dryRun {
		verb = "WOULD REMOVE"
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "RULE\t%s\n", verb)
	for _, p := range got {
		fmt.Fprintf(tw, "%s\t%d\n", p.Rule, p.Rows)
	}
	tw.Flush()
	return err
}

// pruneStore is what the background pruner needs of the store.
type pruneStore interface {
	Prune(ctx context.Context, r store.Retention, now time.Time, dryRun bool) ([]store.Pruned, error)
}

// pruner runs the retention rules in the background of `issuer serve`:
// once at start, then at every tick. The runs are one goroutine's, so
// they never overlap; a tick that comes during a run is dropped (a
// time.Ticker's channel holds one), not queued.
type pruner struct {
	st  pruneStore
	r   store.Retention
	now func() time.Time
	log *slog.Logger
}

// run prunes until ctx ends; a run under way when it ends stops after its
// current batch.
func (p *pruner) run(ctx context.Context, tick <-chan time.Time) {
	for {
		p.once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}

// once runs the rules once and logs one line with every rule's count.
func (p *pruner) once(ctx context.Context) {
	start := time.Now()
	got, err := p.st.Prune(ctx, p.r, p.now(), false)
	attrs := []any{"took", time.Since(start).Round(time.Millisecond)}
	for _, c := range got {
		attrs = append(attrs, c.Rule, c.Rows)
	}
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down
		}
		p.log.Warn("issuer: prune", append(attrs, "err", err)...)
		return
	}
	p.log.Info("issuer: prune", attrs...)
}
