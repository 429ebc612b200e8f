package risk

// Outcomes are the three outcomes in the order a replay report lists them
// (and indexes Counts and Moves by).
var Outcomes = [3]string{Frictionless, Challenge, Deny}

// outcomeIndex is o's place in Outcomes.
func outcomeIndex(o string) int {
	for i, x := range Outcomes {
		if x == o {
			return i
		}
	}
	// Decide returns one of the three; anything else is a bug in it.
	panic("risk: unknown outcome " + o)
}

// Report is what a replay found: how the current and a candidate
// configuration decide the same stored facts, and how many decisions move
// from one outcome to another. It is what an operator reads before changing
// a weight or a threshold: "this denies 12 purchases the current rules
// challenge" is known before a cardholder meets it.
type Report struct {
	// Decisions is the number of facts replayed.
	Decisions int
	// Current and Candidate count each configuration's outcomes, indexed
	// as Outcomes.
	Current, Candidate [3]int
	// Moves[i][j] counts the decisions the current configuration decides
	// Outcomes[i] and the candidate Outcomes[j]; the diagonal is those
	// that stay.
	Moves [3][3]int
	// Saturated counts the decisions whose stored counts stopped at
	// their cap (Facts.CountCap) below one of the candidate's limits: the
	// candidate's outcome for them assumes the count never went past the
	// cap, and may be too lenient.
	Saturated int
}

// Rate is n as a share of the decisions replayed (0 when none were).
func (r Report) Rate(n int) float64 {
	if r.Decisions == 0 {
		return 0
	}
	return float64(n) / float64(r.Decisions)
}

// Moved is the number of decisions whose outcome the candidate changes.
func (r Report) Moved() int {
	n := r.Decisions
	for i := range Outcomes {
		n -= r.Moves[i][i]
	}
	return n
}

// Replayer runs two engines over facts one at a time, so a caller can
// stream stored decisions through it without holding them all.
//
// A replay uses the facts as they were stored: the history counts and the
// provider's score of the time. It asks no provider again, so a candidate
// that turns a provider on changes nothing for decisions made without one.
type Replayer struct {
	current, candidate *Engine
	r                  Report
}

// NewReplayer returns a replayer comparing candidate with current.
func NewReplayer(current, candidate *Engine) *Replayer {
	return &Replayer{current: current, candidate: candidate}
}

// Add decides f under both configurations and counts the outcomes; it
// returns them.
func (p *Replayer) Add(f Facts) (current, candidate string) {
	current, candidate = p.current.Decide(f).Outcome, p.candidate.Decide(f).Outcome
	i, j := outcomeIndex(current), outcomeIndex(candidate)
	p.r.Decisions++
	p.r.Current[i]++
	p.r.Candidate[j]++
	p.r.Moves[i][j]++
	if p.candidate.cfg.saturated(&f) {
		p.r.Saturated++
	}
	return current, candidate
}

// Report is the counts so far.
func (p *Replayer) Report() Report { return p.r }

// Replay decides each of facts under the current and the candidate
// configuration and reports how they differ.
func Replay(current, candidate *Engine, facts []Facts) Report {
	p := NewReplayer(current, candidate)
	for _, f := range facts {
		p.Add(f)
	}
	return p.Report()
}
