package risk

import (
	"encoding/json"
	"maps"
	"math"
	"testing"
)

// replayCandidate is the default configuration with six changes, the
// "candidate.json" of the hand-computed replay below:
//
//	frictionless_max     -20 -> 0    (looser frictionless)
//	deny_min              80 -> 60   (stricter deny)
//	new_device            15 -> 25
//	webdriver             40 -> 60
//	device_data_missing   10 -> 50
//	denylisted_address    40 -> 0    (off)
func replayCandidate(t *testing.T) *Engine {
	t.Helper()
	c := DefaultConfig()
	c.Thresholds.FrictionlessMax, c.Thresholds.DenyMin = 0, 60
	for code, w := range map[string]int{"new_device": 25, "webdriver": 60, "device_data_missing": 50, "denylisted_address": 0} {
		r := c.Rules[code]
		r.Weight = w
		c.Rules[code] = r
	}
	e, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// home is a purchase of 1250 JPY with a Japanese card from Japan in a
// Tokyo browser, no history: under the default configuration only
// new_device (or known_device, device_recognised) fires for it.
func home(edit func(*Facts)) Facts {
	f := Facts{Now: now, Amount: 1250, Currency: "JPY", CardCountry: "JP", HasDeviceID: true,
		Timezone: "Asia/Tokyo", IPCountry: "JP"}
	edit(&f)
	return f
}

// replayFixture is twelve decisions whose outcomes under the default
// configuration (cur) and replayCandidate (cand) were computed by hand from
// default.json, written beside each. F, C, D: frictionless, challenge, deny.
// Frictionless needs score <= frictionless_max and the amount within the
// JPY cap 3000; a deny needs score >= deny_min and an evidence rule.
var replayFixture = []struct {
	name      string
	facts     Facts
	cur, cand string
}{
	// cur: known_device -40 <= -20, 1250 <= 3000: F. cand: -40 <= 0: F.
	{"known device", home(func(f *Facts) { f.KnownDevice = true }), Frictionless, Frictionless},
	// Both: -40, but 5000 > 3000: C (amount_above_frictionless_cap).
	{"known device, above the cap", home(func(f *Facts) { f.KnownDevice, f.Amount = true, 5000 }), Challenge, Challenge},
	// cur: new_device 15: C. cand: 25: C.
	{"new device", home(func(*Facts) {}), Challenge, Challenge},
	// device_recognised -40 + country_mismatch 25 = -15 (New York's zone
	// is American: no timezone_mismatch). cur: -15 > -20: C. cand: -15 <= 0: F.
	{"recognised abroad", home(func(f *Facts) {
		f.DeviceRecognised, f.IPCountry, f.Timezone = true, "US", "America/New_York"
	}), Challenge, Frictionless},
	// cur: 15 + webdriver 40 + headless 25 = 80 >= 80, no evidence: C
	// (deny_needs_evidence). cand: 25 + 60 + 25 = 110 >= 60, no evidence: C.
	{"automated new browser", home(func(f *Facts) { f.Webdriver, f.Headless = true, true }), Challenge, Challenge},
	// cur: 15 + recent_failures 30 + country_mismatch 25 = 70 < 80: C.
	// cand: 25 + 30 + 25 = 80 >= 60, recent_failures is evidence: D.
	{"failures, from France", home(func(f *Facts) {
		f.Failures, f.IPCountry, f.Timezone = 2, "FR", "Europe/Paris"
	}), Challenge, Deny},
	// Both: -40 + merchant_watchlist 200 = 160, evidence: D.
	{"watched merchant", home(func(f *Facts) { f.KnownDevice, f.Watchlisted = true, true }), Deny, Deny},
	// cur: 15 + denylisted_device 80 = 95, evidence: D. cand: 25 + 80 = 105: D.
	{"denylisted device", home(func(f *Facts) { f.DenylistedDevice = true }), Deny, Deny},
	// -40 + velocity_card 30 = -10. cur: -10 > -20: C. cand: -10 <= 0: F.
	{"known device, card velocity", home(func(f *Facts) { f.KnownDevice, f.CardCount = true, 5 }), Challenge, Frictionless},
	// cur: -40 + device_data_missing 10 = -30 <= -20: F.
	// cand: -40 + 50 = 10 > 0: C.
	{"known device, 3DS Method incomplete", home(func(f *Facts) { f.KnownDevice, f.DeviceDataMissing = true, true }), Frictionless, Challenge},
	// cur: 15 + denylisted_address 40 + country_mismatch 25 = 80 >= 80,
	// evidence: D. cand: address off: 25 + 25 = 50 < 60: C.
	{"denylisted address, from France", home(func(f *Facts) {
		f.DenylistedAddress, f.IPCountry, f.Timezone = true, "FR", "Europe/Paris"
	}), Deny, Challenge},
	// provider 100: (100-50)*40/50 = +40, evidence. cur: 15 + 40 = 55: C.
	// cand: 25 + 40 = 65 >= 60: D.
	{"provider says fraud", home(func(f *Facts) { f.Provider = intp(100) }), Challenge, Deny},
}

// The tally of replayFixture, by hand from the cur and cand columns:
//
//	current:   F 2 (1, 10), C 7 (2, 3, 4, 5, 6, 9, 12), D 3 (7, 8, 11)
//	candidate: F 3 (1, 4, 9), C 5 (2, 3, 5, 10, 11),   D 4 (6, 7, 8, 12)
//	moves:     F->F 1, F->C 1, F->D 0
//	           C->F 2, C->C 3, C->D 2
//	           D->F 0, D->C 1, D->D 2      (6 stay, 6 move)
var replayWant = Report{
	Decisions: 12,
	Current:   [3]int{2, 7, 3},
	Candidate: [3]int{3, 5, 4},
	Moves:     [3][3]int{{1, 1, 0}, {2, 3, 2}, {0, 1, 2}},
}

func TestReplayHandComputed(t *testing.T) {
	cur, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	cand := replayCandidate(t)
	p := NewReplayer(cur, cand)
	var facts []Facts
	for _, tt := range replayFixture {
		c, d := p.Add(tt.facts)
		if c != tt.cur || d != tt.cand {
			t.Errorf("%s: current %s, candidate %s; want %s, %s (reasons %+v / %+v)", tt.name, c, d, tt.cur, tt.cand,
				cur.Decide(tt.facts).Reasons, cand.Decide(tt.facts).Reasons)
		}
		facts = append(facts, tt.facts)
	}
	if got := p.Report(); got != replayWant {
		t.Errorf("streamed report\n got %+v\nwant %+v", got, replayWant)
	}
	got := Replay(cur, cand, facts)
	if got != replayWant {
		t.Errorf("Replay\n got %+v\nwant %+v", got, replayWant)
	}
	if got.Moved() != 6 {
		t.Errorf("Moved = %d, want 6", got.Moved())
	}
	for _, tt := range []struct {
		name string
		n    int
		want float64
	}{
		{"current frictionless", got.Current[0], 2.0 / 12},
		{"current challenge", got.Current[1], 7.0 / 12},
		{"current deny", got.Current[2], 0.25},
		{"candidate frictionless", got.Candidate[0], 0.25},
		{"candidate challenge", got.Candidate[1], 5.0 / 12},
		{"candidate deny", got.Candidate[2], 1.0 / 3},
	} {
		if r := got.Rate(tt.n); math.Abs(r-tt.want) > 1e-12 {
			t.Errorf("%s rate %v, want %v", tt.name, r, tt.want)
		}
	}

	// Replaying a configuration against itself moves nothing.
	same := Replay(cur, cur, facts)
	if same.Moved() != 0 || same.Current != same.Candidate || same.Current != replayWant.Current {
		t.Errorf("current against itself: %+v", same)
	}
}

// TestReplayStoredFacts: facts read back from their stored JSON decide as
// the facts did, so a replay over the database is the replay over the
// decisions made.
func TestReplayStoredFacts(t *testing.T) {
	cur, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var stored []Facts
	for _, tt := range replayFixture {
		b, err := json.Marshal(tt.facts)
		if err != nil {
			t.Fatal(err)
		}
		var f Facts
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, f)
	}
	if got := Replay(cur, replayCandidate(t), stored); got != replayWant {
		t.Errorf("from JSON\n got %+v\nwant %+v", got, replayWant)
	}
}

func TestReplayNothing(t *testing.T) {
	cur, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	r := Replay(cur, cur, nil)
	if r != (Report{}) || r.Rate(0) != 0 || r.Moved() != 0 {
		t.Errorf("empty replay: %+v", r)
	}
}

// TestCountCap: the cap follows the largest limit of the capped counts,
// four times over, never under MinCountCap.
func TestCountCap(t *testing.T) {
	withLimits := func(device, ip, merchant int) Config {
		c := DefaultConfig()
		c.Rules = maps.Clone(c.Rules)
		for code, n := range map[string]int{"velocity_device": device, "velocity_ip": ip, "velocity_merchant": merchant} {
			r := c.Rules[code]
			r.Limit = n
			c.Rules[code] = r
		}
		return c
	}
	for _, tt := range []struct {
		name string
		cfg  Config
		want int
	}{
		{"default", DefaultConfig(), MinCountCap},
		{"small limits", withLimits(5, 10, 20), MinCountCap},
		{"the address's", withLimits(5, 1000, 20), 4000},
		{"the merchant's", withLimits(5, 10, 30), 120},
		{"the card's own limit is no capped count", func() Config {
			c := withLimits(5, 10, 20)
			r := c.Rules["velocity_card"]
			r.Limit = 500
			c.Rules["velocity_card"] = r
			return c
		}(), MinCountCap},
	} {
		if got := tt.cfg.CountCap(); got != tt.want {
			t.Errorf("%s: CountCap = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestReplaySaturated: a replay says how many decisions it cannot judge
// exactly, those whose capped count stopped at its cap below a candidate
// limit; facts stored before the cap followed the configuration were
// counted to LegacyCountCap.
func TestReplaySaturated(t *testing.T) {
	cur, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Rules = maps.Clone(cfg.Rules)
	r := cfg.Rules["velocity_ip"]
	r.Limit = 150
	cfg.Rules["velocity_ip"] = r
	candidate, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base := Facts{Amount: 5000, Currency: "JPY", IP: "192.0.2.1"}
	at := func(mod func(*Facts)) Facts { f := base; mod(&f); return f }
	facts := []Facts{
		at(func(f *Facts) { f.IPCount, f.CountCap = 100, 100 }),          // stopped at 100 < 150: saturated
		at(func(f *Facts) { f.IPCount, f.CountCap = 99, 100 }),           // the true count: 99
		at(func(f *Facts) { f.IPCount, f.CountCap = 150, 600 }),          // counted far enough
		at(func(f *Facts) { f.MerchantFailures, f.CountCap = 100, 100 }), // the merchant's limit is 20 < 100
		at(func(f *Facts) { f.IPCount = 1000 }),                          // legacy cap 1,000 > 150
	}
	if got := Replay(cur, candidate, facts).Saturated; got != 1 {
		t.Errorf("Saturated = %d, want 1", got)
	}
	if got := Replay(cur, cur, facts).Saturated; got != 0 {
		t.Errorf("against the configuration that decided: Saturated = %d, want 0", got)
	}
}
