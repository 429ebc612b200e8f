package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer/acs"
)

const operatorToken = "operator-token-0123456789abcdef"

// withOperatorToken is the harness's API with the explanation on under
// token (and the authorisation host's check on under avToken).
func (h *harness) withOperatorToken(token string) {
	h.t.Helper()
	api, err := New(Config{ACS: h.api.acs, Log: h.cfg.Log, AVVerifyToken: avToken, OperatorToken: token})
	if err != nil {
		h.t.Fatal(err)
	}
	h.api = api
}

func explanationPath(id string) string {
	return strings.Replace(ExplanationPath, "{id}", id, 1)
}

// TestExplanation: an operator reads why a purchase was decided as it
// was, rule by rule, with the operator token only; the merchant's view of
// the same purchase keeps the coarse categories.
func TestExplanation(t *testing.T) {
	h := newHarness(t)
	// A new, automated browser: 15 + 40 + 25 = 80 reaches the deny line on
	// signals alone, so it is challenged (deny_needs_evidence) and a code
	// is mailed.
	bot := tokyo
	bot.Webdriver, bot.UA = true, "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/142.0.0.0"
	challenged := h.createChallenge(cardJA)
	if res := h.startWith(challenged, bot, contract.EdgeSignals{IP: "203.0.113.7", Country: "JP"}); res.Decision != "challenge" {
		t.Fatalf("bot start: %+v, want challenge", res)
	}
	mails := h.mails(emailJA)
	if len(mails) != 1 {
		t.Fatalf("%d mails, want the code", len(mails))
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(mails[0].Text)
	if code == "" {
		t.Fatalf("no code in %q", mails[0].Text)
	}
	// A watched merchant: denied on evidence.
	if err := h.store.WatchMerchant(t.Context(), h.merchant.ID, "test", t0); err != nil {
		t.Fatal(err)
	}
	denied := h.createChallenge(cardEN)
	if res := h.startWith(denied, tokyo, contract.EdgeSignals{IP: "198.51.100.7"}); res.Decision != "deny" {
		t.Fatalf("watched start: %+v, want deny", res)
	}
	undecided := h.createChallenge(cardJA)

	// Off without a token: the endpoint does not exist, whatever is sent.
	expectError(t, h.do("GET", explanationPath(denied), operatorToken, nil), http.StatusNotFound, "not_found")

	h.withOperatorToken(operatorToken)
	for _, tok := range []string{"", "wrong", operatorToken + "x", operatorToken[:len(operatorToken)-1],
		testAPIKey, avToken, h.edgeToken(denied)} {
		expectError(t, h.do("GET", explanationPath(denied), tok, nil), http.StatusUnauthorized, "invalid_token")
	}
	expectError(t, h.do("GET", explanationPath("NOSUCHAUTHENTICATION000000"), operatorToken, nil), http.StatusNotFound, "not_found")

	tests := []struct {
		name       string
		id         string
		status     string
		decision   string
		score      int
		rules      []acs.ExplainedReason
		categories []string
		card       string
	}{
		{"signals alone challenge", challenged, "C", "challenge", 80, []acs.ExplainedReason{
			{Code: "new_device", Points: 15, Kind: acs.KindSignal},
			{Code: "webdriver", Points: 40, Kind: acs.KindSignal},
			{Code: "headless_browser", Points: 25, Kind: acs.KindSignal},
			{Code: "deny_needs_evidence", Points: 0, Kind: acs.KindNote},
		}, []string{"device"}, "*9016"},
		{"evidence denies", denied, "R", "deny", 215, []acs.ExplainedReason{
			{Code: "new_device", Points: 15, Kind: acs.KindSignal},
			{Code: "merchant_watchlist", Points: 200, Kind: acs.KindEvidence},
		}, []string{"device", "merchant"}, "*9024"},
		{"not started", undecided, "C", "", 0, []acs.ExplainedReason{}, []string{}, "*9016"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := h.do("GET", explanationPath(tt.id), operatorToken, nil)
			if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("explanation: %d %v %s", rec.Code, rec.Header(), rec.Body.String())
			}
			e := decodeBody[acs.Explanation](t, rec)
			if e.ID != tt.id || e.Status != tt.status || e.Decision != tt.decision || e.Score != tt.score ||
				!slices.Equal(e.Rules, tt.rules) || !slices.Equal(e.MerchantCategories, tt.categories) || e.Card != tt.card ||
				e.Amount != 1250 || e.Currency != "JPY" || e.Merchant.ShownAs != "Demo Shop" || e.Merchant.ID != h.merchant.ID {
				t.Errorf("explanation %+v", e)
			}
			if tt.decision != "" && (e.DecidedAt.IsZero() || len(e.Facts) == 0 || len(e.Signals) == 0 || !e.DeviceID) {
				t.Errorf("decided without its time, facts, signals or device: %s", rec.Body.String())
			}
			raw := rec.Body.String()
			for _, secret := range []string{"3540123456789016", "3540123456789024", "5678", personalMsg, "本人", code} {
				if strings.Contains(raw, secret) {
					t.Errorf("explanation shows %q: %s", secret, raw)
				}
			}
			// The merchant's view of the same purchase: categories only, no
			// rule, no points, no score.
			mv := h.do("GET", "/v1/authentications/"+tt.id, testAPIKey, nil)
			if mv.Code != http.StatusOK {
				t.Fatalf("merchant view: %d %s", mv.Code, mv.Body.String())
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(mv.Body.Bytes(), &fields); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"score", "rules", "signals", "facts", "risk_score", "points"} {
				if _, ok := fields[f]; ok {
					t.Errorf("merchant view has %q: %s", f, mv.Body.String())
				}
			}
			for _, r := range e.Rules {
				if strings.Contains(mv.Body.String(), r.Code) {
					t.Errorf("merchant view names rule %s: %s", r.Code, mv.Body.String())
				}
			}
			if v := decodeBody[authenticationResponse](t, mv); !slices.Equal(v.RiskReasons, nilIfEmpty(tt.categories)) {
				t.Errorf("merchant risk_reasons %v, want %v", v.RiskReasons, tt.categories)
			}
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
