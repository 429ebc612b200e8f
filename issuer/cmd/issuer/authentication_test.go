package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/demo"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

// decideStored creates an authentication of the newest enrolled card at
// the demo merchant and records the default engine's decision on f (and
// the notes after it, as acs adds them), as a start would.
func decideStored(t *testing.T, st *store.Store, f risk.Facts, notes ...risk.Reason) (string, risk.Decision) {
	t.Helper()
	ctx := context.Background()
	ms, err := st.Merchants(ctx)
	if err != nil || len(ms) == 0 {
		t.Fatalf("merchants: %v %v", ms, err)
	}
	chs, err := st.Cardholders(ctx, store.CardholderFilter{Status: issuer.CardholderActive})
	if err != nil || len(chs) == 0 {
		t.Fatalf("cardholders: %v", err)
	}
	a, err := st.CreateAuthentication(ctx, issuer.Authentication{MerchantID: ms[0].ID, CardholderID: chs[0].ID, OrderRef: "o-7",
		Amount: f.Amount, Currency: f.Currency, MerchantName: "Demo Shop", MerchantOrigin: "http://localhost:8080",
		Status: "C", CreatedAt: f.Now.Add(-time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	e, err := risk.New(risk.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	d := e.Decide(f)
	d.Reasons = append(d.Reasons, notes...)
	reasons, _ := json.Marshal(d.Reasons)
	facts, _ := json.Marshal(f)
	status := map[string]string{risk.Frictionless: "Y", risk.Challenge: "C", risk.Deny: "R"}[d.Outcome]
	reason := map[string]string{risk.Deny: "suspected_fraud"}[d.Outcome]
	if _, err := st.RecordDecision(ctx, a.ID, store.Decision{Decision: d.Outcome, Status: status, Reason: reason, Score: d.Score,
		Reasons: string(reasons), Signals: `{"device_id":true,"ip":"` + f.IP + `","country":"` + f.IPCountry + `","webdriver":true}`,
		Facts: string(facts), DeviceHash: []byte("device-hash"), IP: f.IP, IPNet: f.IP, IPCountry: f.IPCountry, At: f.Now}); err != nil {
		t.Fatal(err)
	}
	return a.ID, d
}

func TestAuthenticationShow(t *testing.T) {
	s := prepare(t)
	st, err := store.Open(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	// A new automated browser: 15 + 40 + 25 = 80 on signals alone, so a
	// challenge with deny_needs_evidence; the provider did not answer.
	bot := risk.Facts{Now: at, Amount: 1250, Currency: "JPY", CardCountry: "JP", HasDeviceID: true, Webdriver: true,
		Headless: true, Timezone: "Asia/Tokyo", IP: "203.0.113.7", IPCountry: "JP"}
	id, d := decideStored(t, st, bot, risk.Reason{Code: risk.ReasonProviderUnavailable})
	if d.Outcome != risk.Challenge || d.Score != 80 {
		t.Fatalf("fixture decided %+v", d)
	}

	code, out, errOut := cli(t, "authentication", "show", "-db", s.db, "-id", id)
	if code != exitOK {
		t.Fatalf("show: %d %s", code, errOut)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^authentication +` + id + `$`),
		regexp.MustCompile(`(?m)^status +C$`),
		regexp.MustCompile(`(?m)^merchant +Demo Shop \(account "Demo Shop", id \d+, http://localhost:8080\)$`),
		regexp.MustCompile(`(?m)^amount +¥1,250$`),
		regexp.MustCompile(`(?m)^card +\*\d{4}$`),
		regexp.MustCompile(`(?m)^decided +2026-12-06T03:00:00Z$`),
		regexp.MustCompile(`(?m)^decision +challenge, score 80$`),
		regexp.MustCompile(`(?m)^signals +country=JP device_id=true ip=203\.0\.113\.7 webdriver=true$`),
		regexp.MustCompile(`(?m)^merchant sees +device$`),
		regexp.MustCompile(`(?m)^RULE +POINTS +KIND$`),
		regexp.MustCompile(`(?m)^new_device +\+15 +signal$`),
		regexp.MustCompile(`(?m)^webdriver +\+40 +signal$`),
		regexp.MustCompile(`(?m)^headless_browser +\+25 +signal$`),
		regexp.MustCompile(`(?m)^deny_needs_evidence +0 +note$`),
		regexp.MustCompile(`(?m)^provider_unavailable +0 +note$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("show lacks %s:\n%s", want, out)
		}
	}
	for _, c := range demo.Cards {
		if strings.Contains(out, c.Number) || (c.PersonalMessage != "" && strings.Contains(out, c.PersonalMessage)) {
			t.Errorf("show prints card %s's number or message:\n%s", c.Number[12:], out)
		}
	}

	// -json is the internal API's explanation.
	code, out, errOut = cli(t, "authentication", "show", "-db", s.db, "-id", id, "-json")
	if code != exitOK {
		t.Fatalf("show -json: %d %s", code, errOut)
	}
	var e acs.Explanation
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatalf("not JSON: %v %s", err, out)
	}
	wantRules := []acs.ExplainedReason{{Code: "new_device", Points: 15, Kind: "signal"}, {Code: "webdriver", Points: 40, Kind: "signal"}, {Code: "headless_browser", Points: 25, Kind: "signal"},
		{Code: "deny_needs_evidence", Points: 0, Kind: "note"}, {Code: "provider_unavailable", Points: 0, Kind: "note"}}
	if e.ID != id || e.Decision != "challenge" || e.Score != 80 || !slices.Equal(e.Rules, wantRules) ||
		!slices.Equal(e.MerchantCategories, []string{"device"}) || !e.DecidedAt.Equal(at) || len(e.Facts) == 0 {
		t.Errorf("show -json: %+v", e)
	}

	// A deny on evidence: the evidence is marked as such.
	watched := bot
	watched.Webdriver, watched.Headless, watched.Watchlisted = false, false, true
	denied, _ := decideStored(t, st, watched)
	code, out, _ = cli(t, "authentication", "show", "-db", s.db, "-id", denied)
	if code != exitOK || !regexp.MustCompile(`(?m)^merchant_watchlist +\+200 +evidence$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^status +R suspected_fraud$`).MatchString(out) {
		t.Errorf("show denied: %d\n%s", code, out)
	}

	// Never decided: says so, and lists no rules.
	ms, _ := st.Merchants(context.Background())
	u, err := st.CreateAuthentication(context.Background(), issuer.Authentication{MerchantID: ms[0].ID, Amount: 500, Currency: "JPY",
		MerchantName: "Demo Shop", MerchantOrigin: "http://localhost:8080", Status: "U", Reason: "not_enrolled", CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = cli(t, "authentication", "show", "-db", s.db, "-id", u.ID)
	if code != exitOK || !strings.Contains(out, "the risk engine has not run") || strings.Contains(out, "RULE") ||
		!regexp.MustCompile(`(?m)^card +-$`).MatchString(out) {
		t.Errorf("show undecided: %d\n%s", code, out)
	}

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown id", []string{"-id", "NOSUCHAUTHENTICATION000000"}, exitFail, `no authentication "NOSUCHAUTHENTICATION000000"`},
		{"no id", nil, exitUsage, "-id is required"},
		{"positional", []string{"-id", id, "extra"}, exitUsage, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, append([]string{"authentication", "show", "-db", s.db}, tt.args...)...)
			wantRun(t, code, out, errOut, tt.code, tt.want)
		})
	}
}

// TestServeExplanation: serve with -operator-token-file answers the
// internal API's explanation, the JSON of authentication show -json, to
// that token only.
func TestServeExplanation(t *testing.T) {
	s := prepare(t)
	st, err := store.Open(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := decideStored(t, st, risk.Facts{Now: time.Now(), Amount: 1250, Currency: "JPY", CardCountry: "JP", HasDeviceID: true,
		Timezone: "Asia/Tokyo", IP: "203.0.113.7", IPCountry: "JP"})
	st.Close()
	tokFile := filepath.Join(s.dir, "operator-token")
	tok := strings.Repeat("d4", 20)
	if err := os.WriteFile(tokFile, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-db", s.db, "-keys", s.keys, "-pan-key-file", s.panKey,
			"-smtp", "127.0.0.1:1", "-operator-token-file", tokFile}, &out, &errb)
	}()
	base := waitListening(t, &out, &errb, done)
	get := func(bearer string) (int, string) {
		t.Helper()
		req, err := http.NewRequest("GET", base+"/internal/v1/authentications/"+id+"/explanation", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	code, body := get(tok)
	_, cliOut, _ := cli(t, "authentication", "show", "-db", s.db, "-id", id, "-json")
	var api, fromCLI acs.Explanation
	if err := json.Unmarshal([]byte(body), &api); err != nil || code != 200 {
		t.Fatalf("explanation: %d %s", code, body)
	}
	if err := json.Unmarshal([]byte(cliOut), &fromCLI); err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, api, fromCLI) || api.ID != id || api.Decision != "challenge" || len(api.Rules) != 1 {
		t.Errorf("API and CLI differ or are wrong:\n%s\n%s", body, cliOut)
	}
	if code, body := get(tok + "x"); code != 401 {
		t.Errorf("another token: %d %s", code, body)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("serve exited %d: %s", code, errb.String())
	}
}
