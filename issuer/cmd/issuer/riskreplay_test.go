package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

// writeCandidate writes the default configuration with the changes of
// risk's hand-computed replay (frictionless_max 0, deny_min 60, new_device
// 25, device_data_missing 50, denylisted_address off) to a file.
func writeCandidate(t *testing.T, dir string) string {
	t.Helper()
	c := risk.DefaultConfig()
	c.Note = "candidate: looser frictionless, stricter deny"
	c.Thresholds.FrictionlessMax, c.Thresholds.DenyMin = 0, 60
	for code, w := range map[string]int{"new_device": 25, "device_data_missing": 50, "denylisted_address": 0} {
		r := c.Rules[code]
		r.Weight = w
		c.Rules[code] = r
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "candidate.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRiskReplay replays stored decisions on each database engine. The
// outcomes were computed by hand from default.json (current) and
// writeCandidate's changes, as in issuer/risk's TestReplayHandComputed:
//
//	known device                          -40: F        -40: F
//	recognised abroad (US, NY zone)       -40+25 = -15: C   -15 <= 0: F
//	failures from France                  15+30+25 = 70: C  25+30+25 = 80, evidence: D
//	denylisted address from France        15+40+25 = 80, evidence: D   25+0+25 = 50: C
//	known device, 3DS Method incomplete   -40+10 = -30: F   -40+50 = 10: C
//	new device (stored as frictionless)   15: C          25: C
//
// current F 2 C 3 D 1; candidate F 2 C 3 D 1; moves F->F 1, F->C 1,
// C->F 1, C->C 1, C->D 1, D->C 1: 4 of 6 move. The last was stored as
// frictionless, so the current configuration differs from what was
// decided on 1. Besides: one decision 40 days ago (outside -since 720h),
// two without facts (skipped and counted), one never decided.
func TestRiskReplay(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db string) {
		ctx := context.Background()
		st, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		candidate := writeCandidate(t, dir)

		// Empty: nothing to replay, and says so.
		code, out, errOut := cli(t, "risk", "replay", "-db", db, "-config", candidate)
		if !wantRun(t, code, out, errOut, exitOK, "no decisions to replay") {
			return
		}

		m, err := st.CreateMerchant(ctx, issuer.Merchant{Name: "replay-shop", APIKeyHash: make([]byte, 32), CreatedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := st.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: []byte("replay-card"), Last4: "0000", Email: "r@mail.jp",
			Locale: "ja", Status: issuer.CardholderActive, Country: "JP", CreatedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().Truncate(time.Millisecond)
		record := func(outcome, facts string, at time.Time) {
			t.Helper()
			a, err := st.CreateAuthentication(ctx, issuer.Authentication{MerchantID: m.ID, CardholderID: ch.ID, Amount: 1250,
				Currency: "JPY", MerchantName: "replay-shop", MerchantOrigin: "https://shop.example", Status: "C", CreatedAt: at})
			if err != nil {
				t.Fatal(err)
			}
			if outcome == "" {
				return // never decided
			}
			if _, err := st.RecordDecision(ctx, a.ID, store.Decision{Decision: outcome, Status: "C", Reasons: "[]", Signals: "{}",
				Facts: facts, At: at}); err != nil {
				t.Fatal(err)
			}
		}
		home := func(edit func(*risk.Facts)) string {
			f := risk.Facts{Now: now, Amount: 1250, Currency: "JPY", CardCountry: "JP", HasDeviceID: true,
				Timezone: "Asia/Tokyo", IPCountry: "JP"}
			edit(&f)
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		for i, d := range []struct{ stored, facts string }{
			{risk.Frictionless, home(func(f *risk.Facts) { f.KnownDevice = true })},
			{risk.Challenge, home(func(f *risk.Facts) { f.DeviceRecognised, f.IPCountry, f.Timezone = true, "US", "America/New_York" })},
			{risk.Challenge, home(func(f *risk.Facts) { f.Failures, f.IPCountry, f.Timezone = 2, "FR", "Europe/Paris" })},
			{risk.Deny, home(func(f *risk.Facts) { f.DenylistedAddress, f.IPCountry, f.Timezone = true, "FR", "Europe/Paris" })},
			{risk.Frictionless, home(func(f *risk.Facts) { f.KnownDevice, f.DeviceDataMissing = true, true })},
			{risk.Frictionless, home(func(*risk.Facts) {})}, // the current configuration says challenge
		} {
			record(d.stored, d.facts, now.Add(-time.Duration(i+1)*time.Hour))
		}
		record(risk.Deny, home(func(f *risk.Facts) { f.Watchlisted = true }), now.Add(-40*24*time.Hour)) // too old
		record(risk.Challenge, "", now.Add(-2*time.Hour))                                                // no facts
		record(risk.Challenge, "", now.Add(-3*time.Hour))                                                // no facts
		record("", "", now.Add(-time.Hour))                                                              // never decided

		code, out, errOut = cli(t, "risk", "replay", "-db", db, "-since", "720h", "-config", candidate, "-json")
		if code != exitOK {
			t.Fatalf("replay -json: %d %s", code, errOut)
		}
		var got replayReport
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("not JSON: %v %s", err, out)
		}
		oc := func(f, c, d int) map[string]outcomeCount {
			return map[string]outcomeCount{"frictionless": {f, float64(f) / 6}, "challenge": {c, float64(c) / 6}, "deny": {d, float64(d) / 6}}
		}
		wantMoves := map[string]map[string]int{
			"frictionless": {"frictionless": 1, "challenge": 1, "deny": 0},
			"challenge":    {"frictionless": 1, "challenge": 1, "deny": 1},
			"deny":         {"frictionless": 0, "challenge": 1, "deny": 0},
		}
		if got.Decisions != 6 || got.NoFacts != 2 || got.Unreadable != 0 || got.DifferFromStored != 1 || got.Moved != 4 ||
			got.Current != "built-in default" || got.Candidate != candidate ||
			!jsonEqual(t, got.CurrentOutcomes, oc(2, 3, 1)) || !jsonEqual(t, got.CandidateOutcome, oc(2, 3, 1)) ||
			!jsonEqual(t, got.Moves, wantMoves) {
			t.Errorf("replay -json:\n%s", out)
		}

		// The table for people.
		code, out, errOut = cli(t, "risk", "replay", "-db", db, "-config", candidate)
		if code != exitOK {
			t.Fatalf("replay: %d %s", code, errOut)
		}
		for _, want := range []string{
			`(?m)^replayed 6 decisions made since \S+Z$`,
			`(?m)^skipped: 2 decided before facts were stored, 0 with unreadable facts$`,
			`(?m)^note: the current configuration decides 1 of them otherwise`,
			`(?m)^OUTCOME +CURRENT +CANDIDATE +CHANGE$`,
			`(?m)^frictionless +2 \(33\.3%\) +2 \(33\.3%\) +\+0$`,
			`(?m)^challenge +3 \(50\.0%\) +3 \(50\.0%\) +\+0$`,
			`(?m)^deny +1 \(16\.7%\) +1 \(16\.7%\) +\+0$`,
			`(?m)^ +FRICTIONLESS +CHALLENGE +DENY$`,
			`(?m)^frictionless +1 +1 +0$`,
			`(?m)^challenge +1 +1 +1$`,
			`(?m)^deny +0 +1 +0$`,
			`(?m)^4 of 6 decisions \(66\.7%\) change outcome$`,
		} {
			if !regexp.MustCompile(want).MatchString(out) {
				t.Errorf("replay output lacks %s:\n%s", want, out)
			}
		}

		// -current names the configuration to compare with: the candidate
		// against itself moves nothing.
		code, out, errOut = cli(t, "risk", "replay", "-db", db, "-config", candidate, "-current", candidate)
		if code != exitOK || !regexp.MustCompile(`(?m)^0 of 6 decisions \(0\.0%\) change outcome$`).MatchString(out) {
			t.Errorf("candidate against itself: %d %s\n%s", code, errOut, out)
		}
		// A shorter window holds fewer: the newest two (1h and 2h ago).
		code, out, _ = cli(t, "risk", "replay", "-db", db, "-config", candidate, "-since", "150m")
		if code != exitOK || !regexp.MustCompile(`(?m)^replayed 2 decisions`).MatchString(out) {
			t.Errorf("-since 150m: %d\n%s", code, out)
		}
	})
}

func TestRiskReplayRefuses(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "issuer.db")
	candidate := writeCandidate(t, dir)
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte(`{"thresholds":{"frictionless_max":0,"deny_min":80},"rules":{"no_such_rule":{"weight":1}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no candidate", nil, exitUsage, "-config is required"},
		{"negative since", []string{"-config", candidate, "-since", "-1h"}, exitUsage, "-since must be positive"},
		{"since not a duration", []string{"-config", candidate, "-since", "30d"}, exitUsage, "-since"},
		{"missing candidate", []string{"-config", filepath.Join(dir, "nope.json")}, exitFail, "-config: risk: config"},
		{"broken candidate", []string{"-config", broken}, exitFail, `unknown rule "no_such_rule"`},
		{"broken current", []string{"-config", candidate, "-current", broken}, exitFail, "-current: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, append([]string{"risk", "replay", "-db", db}, tt.args...)...)
			wantRun(t, code, out, errOut, tt.code, tt.want)
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused replay opened (and made) the database")
	}
}

// jsonEqual compares got and want by their JSON.
func jsonEqual(t *testing.T, got, want any) bool {
	t.Helper()
	a, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	return string(a) == string(b)
}

// TestRiskGroup: risk and authentication are groups of commands, listed
// with -h like the others.
func TestReplayAndExplainGroups(t *testing.T) {
	for _, tt := range []struct{ group, want string }{{"risk", "risk replay"}, {"authentication", "authentication show"}} {
		code, out, _ := cli(t, tt.group, "-h")
		if code != exitOK || !strings.Contains(out, tt.want) {
			t.Errorf("%s -h: %d %q", tt.group, code, out)
		}
		code, _, errOut := cli(t, tt.group)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s alone: %d %q", tt.group, code, errOut)
		}
	}
}
