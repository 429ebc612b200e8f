package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

// outcomeCount is one outcome's count and its share of the decisions.
type outcomeCount struct {
	Count int     `json:"count"`
	Rate  float64 `json:"rate"`
}

// replayReport is the JSON of issuer risk replay -json.
type replayReport struct {
	Since     time.Time `json:"since"`
	Current   string    `json:"current_config"`
	Candidate string    `json:"candidate_config"`
	// Decisions were replayed; NoFacts (decided before facts were stored)
	// and Unreadable (facts that are not JSON) were skipped.
	Decisions  int `json:"decisions"`
	NoFacts    int `json:"skipped_no_facts"`
	Unreadable int `json:"skipped_unreadable"`
	// DifferFromStored counts the decisions the current configuration
	// decides otherwise than was decided then: not 0 when -current is not
	// the configuration that was running (or it changed in the window).
	DifferFromStored int                     `json:"differ_from_stored"`
	CurrentOutcomes  map[string]outcomeCount `json:"current"`
	CandidateOutcome map[string]outcomeCount `json:"candidate"`
	// Moves[from][to] counts the decisions the current configuration
	// decides from and the candidate to.
	Moves map[string]map[string]int `json:"moves"`
	Moved int                       `json:"moved"`
	// Saturated counts the decisions whose device, address or merchant
	// count stopped at its cap below a candidate limit (risk.Report).
	Saturated int `json:"saturated"`

	report risk.Report
}

// riskReplay is `issuer risk replay`: what a candidate risk configuration
// would have decided, over the decisions already made, beside the current
// one's.
func riskReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newStoreCmd("risk replay", "Runs a candidate risk configuration over the facts stored with each decision made\n"+
		"since -since ago, and the current configuration beside it, and prints how many are\n"+
		"frictionless, challenged and denied under each and how many move from one outcome to\n"+
		"another: what a change of weights or thresholds does, before a cardholder meets it.\n"+
		"The facts are those of the time (history counts, the provider's score); no provider is\n"+
		"asked again. Decisions made before facts were stored are skipped and counted.\n"+
		"The database is read one decision at a time.", stdout)
	since := c.Duration("since", 720*time.Hour, "replay the decisions made this long ago or later")
	candidate := c.String("config", "", "the candidate risk configuration, JSON (the format of issuer serve -risk-config)")
	current := c.String("current", env("HONNIN_RISK_CONFIG", ""),
		"the configuration to compare with; empty: the built-in default (env HONNIN_RISK_CONFIG, as issuer serve)")
	asJSON := c.Bool("json", false, "print the report as JSON")
	var cur, cand *risk.Engine
	check := func() error {
		if *candidate == "" {
			return usageError{"-config is required: the candidate configuration to replay"}
		}
		if *since <= 0 {
			return usageError{"-since must be positive (720h is 30 days)"}
		}
		var err error
		if cur, err = engineOf(*current); err != nil {
			return fmt.Errorf("-current: %w", err)
		}
		if cand, err = engineOf(*candidate); err != nil {
			return fmt.Errorf("-config: %w", err)
		}
		return nil
	}
	return c.run(ctx, args, check, func(st *store.Store) error {
		from := time.Now().Add(-*since)
		r := replayReport{Since: from.UTC().Truncate(time.Second), Current: *current, Candidate: *candidate}
		if r.Current == "" {
			r.Current = "built-in default"
		}
		p := risk.NewReplayer(cur, cand)
		noFacts, err := st.EachDecision(ctx, from, func(d store.StoredDecision) error {
			var f risk.Facts
			if err := json.Unmarshal([]byte(d.Facts), &f); err != nil {
				r.Unreadable++
				return nil
			}
			if now, _ := p.Add(f); now != d.Decision {
				r.DifferFromStored++
			}
			return nil
		})
		if err != nil {
			return err
		}
		r.NoFacts, r.report = noFacts, p.Report()
		r.fill()
		if *asJSON {
			return printJSON(stdout, r)
		}
		printReplay(stdout, r)
		return nil
	})
}

// engineOf loads the configuration at path ("" the default) into an
// engine.
func engineOf(path string) (*risk.Engine, error) {
	cfg, err := risk.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	return risk.New(cfg)
}

// fill sets the JSON fields from the report.
func (r *replayReport) fill() {
	rep := r.report
	r.Decisions, r.Moved, r.Saturated = rep.Decisions, rep.Moved(), rep.Saturated
	r.CurrentOutcomes, r.CandidateOutcome = map[string]outcomeCount{}, map[string]outcomeCount{}
	r.Moves = map[string]map[string]int{}
	for i, o := range risk.Outcomes {
		r.CurrentOutcomes[o] = outcomeCount{rep.Current[i], rep.Rate(rep.Current[i])}
		r.CandidateOutcome[o] = outcomeCount{rep.Candidate[i], rep.Rate(rep.Candidate[i])}
		r.Moves[o] = map[string]int{}
		for j, to := range risk.Outcomes {
			r.Moves[o][to] = rep.Moves[i][j]
		}
	}
}

func printReplay(w io.Writer, r replayReport) {
	rep := r.report
	fmt.Fprintf(w, "replayed %d decisions made since %s\n", rep.Decisions, r.Since.Format(time.RFC3339))
	fmt.Fprintf(w, "current: %s\ncandidate: %s\n", r.Current, r.Candidate)
	if r.NoFacts > 0 || r.Unreadable > 0 {
		fmt.Fprintf(w, "skipped: %d decided before facts were stored, %d with unreadable facts\n", r.NoFacts, r.Unreadable)
	}
	if r.DifferFromStored > 0 {
		fmt.Fprintf(w, "note: the current configuration decides %d of them otherwise than they were decided:\n"+
			"      is -current the configuration that was running?\n", r.DifferFromStored)
	}
	if rep.Decisions == 0 {
		fmt.Fprintln(w, "\nno decisions to replay")
		return
	}
	pct := func(n int) string { return fmt.Sprintf("%.1f%%", 100*rep.Rate(n)) }
	fmt.Fprintln(w)
	tw := newTable(w, "OUTCOME\tCURRENT\tCANDIDATE\tCHANGE")
	for i, o := range risk.Outcomes {
		fmt.Fprintf(tw, "%s\t%d (%s)\t%d (%s)\t%+d\n", o, rep.Current[i], pct(rep.Current[i]),
			rep.Candidate[i], pct(rep.Candidate[i]), rep.Candidate[i]-rep.Current[i])
	}
	tw.Flush()

	fmt.Fprintln(w, "\nmoves, current (rows) to candidate (columns):")
	tw = newTable(w, "\tFRICTIONLESS\tCHALLENGE\tDENY")
	for i, o := range risk.Outcomes {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", o, rep.Moves[i][0], rep.Moves[i][1], rep.Moves[i][2])
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d of %d decisions (%s) change outcome\n", rep.Moved(), rep.Decisions, pct(rep.Moved()))
	if rep.Saturated > 0 {
		fmt.Fprintf(w, "note: %d decisions counted a device, address or merchant only up to a cap below a candidate limit:\n"+
			"      the candidate's outcome for them may be too lenient\n", rep.Saturated)
	}
}
