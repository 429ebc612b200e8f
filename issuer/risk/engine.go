package risk

import (
	"slices"
	"strings"
)

// Outcomes of a decision.
const (
	Frictionless = "frictionless"
	Challenge    = "challenge"
	Deny         = "deny"
)

// Reason is one fired rule and the points it added.
type Reason struct {
	Code   string `json:"code"`
	Points int    `json:"points"`
}

// Decision is the engine's answer and its explanation.
type Decision struct {
	Outcome string
	Score   int
	// Reasons are the fired rules in table order; the provider's part, if
	// any, is last.
	Reasons []Reason
}

// Provider notes recorded with a decision; they add no points.
const (
	ReasonProviderOptOut      = "provider_opted_out"
	ReasonProviderUnavailable = "provider_unavailable"
	ReasonProvider            = "provider"
	// reasonAmountCap: the score allowed frictionless but the amount is
	// above the frictionless cap.
	reasonAmountCap = "amount_above_frictionless_cap"
	// ReasonDenyNeedsEvidence: the score reached the deny line on signals
	// alone (a new, automated browser, a burst of purchases), so the
	// purchase is challenged instead: whoever it is must know the code.
	ReasonDenyNeedsEvidence = "deny_needs_evidence"
)

// Engine applies a Config. It is safe for concurrent use.
type Engine struct {
	cfg Config
}

// New returns an engine for a checked configuration.
func New(cfg Config) (*Engine, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg}, nil
}

// Config returns the engine's configuration.
func (e *Engine) Config() Config { return e.cfg }

// Decide scores f and maps the score to an outcome.
func (e *Engine) Decide(f Facts) Decision {
	var d Decision
	evidence := false
	for i := range rules {
		r := &rules[i]
		c := e.cfg.Rules[r.code]
		if c.Weight == 0 || !r.fires(&f, c) {
			continue
		}
		d.Score += c.Weight
		d.Reasons = append(d.Reasons, Reason{Code: r.code, Points: c.Weight})
		evidence = evidence || (r.evidence && c.Weight > 0)
	}
	if f.Provider != nil && e.cfg.Provider.Weight != 0 {
		// A fraud-scoring service's verdict is evidence: it is what the
		// service is for.
		p := (min(max(*f.Provider, 0), 100) - 50) * e.cfg.Provider.Weight / 50
		d.Score += p
		d.Reasons = append(d.Reasons, Reason{Code: ReasonProvider, Points: p})
		evidence = evidence || p > 0
	}
	t := e.cfg.Thresholds
	switch {
	case d.Score >= t.DenyMin && !evidence:
		d.Outcome = Challenge
		d.Reasons = append(d.Reasons, Reason{Code: ReasonDenyNeedsEvidence})
	case d.Score >= t.DenyMin:
		d.Outcome = Deny
	case d.Score <= t.FrictionlessMax:
		d.Outcome = Frictionless
		if capAmount, ok := t.FrictionlessMaxAmount[f.Currency]; !ok || f.Amount > capAmount {
			d.Outcome = Challenge
			d.Reasons = append(d.Reasons, Reason{Code: reasonAmountCap})
		}
	default:
		d.Outcome = Challenge
	}
	return d
}

// Categories are the coarse categories of the reasons that raised the
// score, for the merchant: never the rules or their weights. Sorted, no
// duplicates.
func Categories(reasons []Reason) []string {
	var cats []string
	for _, r := range reasons {
		if r.Points <= 0 {
			continue
		}
		cat := CatProvider
		if rr, ok := ruleByCode[r.Code]; ok {
			cat = rr.category
		}
		if !slices.Contains(cats, cat) {
			cats = append(cats, cat)
		}
	}
	slices.Sort(cats)
	return cats
}

// Evidence reports whether the named rule is evidence of fraud (one of
// them is needed for a deny) rather than a signal.
func Evidence(code string) bool {
	r, ok := ruleByCode[code]
	return ok && r.evidence || code == ReasonProvider
}

// Headless reports whether a user agent names a headless browser.
func Headless(ua string) bool { return strings.Contains(ua, "HeadlessChrome") }
