package risk

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// base is a plain first purchase: a Japanese card bought from Japan in a
// Tokyo browser, a device id sent, no history.
func base() Facts {
	return Facts{Now: now, Amount: 1250, Currency: "JPY", MerchantName: "Demo Shop", CardCountry: "JP",
		HasDeviceID: true, Timezone: "Asia/Tokyo", IP: "203.0.113.7", IPCountry: "JP"}
}

func intp(v int) *int { return &v }

func TestDecideScenarios(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		edit    func(*Facts)
		outcome string
		reasons []string // codes, in order
	}{
		{"new device, home country, small amount", func(f *Facts) {}, Challenge, []string{"new_device"}},
		{"no device id counts as new", func(f *Facts) { f.HasDeviceID = false }, Challenge, []string{"new_device"}},
		{"known device, small amount", func(f *Facts) { f.KnownDevice = true }, Frictionless, []string{"known_device"}},
		{"known device, amount above the frictionless cap", func(f *Facts) { f.KnownDevice, f.Amount = true, 3001 },
			Challenge, []string{"known_device", reasonAmountCap}},
		{"known device, currency without a cap", func(f *Facts) { f.KnownDevice, f.Currency = true, "THB" },
			Challenge, []string{"known_device", reasonAmountCap}},
		{"known device, automated browser", func(f *Facts) { f.KnownDevice, f.Webdriver = true, true },
			Challenge, []string{"known_device", "webdriver"}},
		{"known device, headless user agent", func(f *Facts) { f.KnownDevice, f.Headless = true, true },
			Challenge, []string{"known_device", "headless_browser"}},
		{"new device from another country, large amount", func(f *Facts) {
			f.IPCountry, f.Timezone, f.Amount, f.UsualMax, f.UsualCount = "US", "America/New_York", 90000, 5000, 4
		}, Challenge, []string{"new_device", "country_mismatch", "amount_above_usual"}},
		{"timezone inconsistent with IP country", func(f *Facts) { f.Timezone = "Europe/Paris" },
			Challenge, []string{"new_device", "timezone_mismatch"}},
		{"zone prefix matches", func(f *Facts) { f.IPCountry, f.CardCountry, f.Timezone = "US", "US", "America/Chicago" },
			Challenge, []string{"new_device"}},
		{"country with no zones configured says nothing", func(f *Facts) { f.IPCountry, f.CardCountry, f.Timezone = "BR", "BR", "Asia/Tokyo" },
			Challenge, []string{"new_device"}},
		{"impossible travel", func(f *Facts) { f.PrevCountry, f.PrevAt = "FR", now.Add(-30*time.Minute) },
			Challenge, []string{"new_device", "impossible_travel"}},
		{"travel after the window is possible", func(f *Facts) { f.PrevCountry, f.PrevAt = "FR", now.Add(-3*time.Hour) },
			Challenge, []string{"new_device"}},
		{"card velocity", func(f *Facts) { f.CardCount = 5 }, Challenge, []string{"new_device", "velocity_card"}},
		{"card velocity under the limit", func(f *Facts) { f.CardCount = 4 }, Challenge, []string{"new_device"}},
		{"device velocity", func(f *Facts) { f.DeviceCount = 5 }, Challenge, []string{"new_device", "velocity_device"}},
		{"IP velocity", func(f *Facts) { f.IPCount = 10 }, Challenge, []string{"new_device", "velocity_ip"}},
		{"all velocities and a new device: signals only, so a challenge", func(f *Facts) { f.CardCount, f.DeviceCount, f.IPCount = 9, 9, 20 },
			Challenge, []string{"new_device", "velocity_card", "velocity_device", "velocity_ip", ReasonDenyNeedsEvidence}},
		{"a new headless automated browser is challenged, not denied", func(f *Facts) { f.Webdriver, f.Headless = true, true },
			Challenge, []string{"new_device", "webdriver", "headless_browser", ReasonDenyNeedsEvidence}},
		{"velocities with recent failures (evidence): deny", func(f *Facts) { f.CardCount, f.DeviceCount, f.Failures = 9, 9, 2 },
			Deny, []string{"new_device", "velocity_card", "velocity_device", "recent_failures"}},
		{"recognised by fingerprint, small amount", func(f *Facts) { f.DeviceRecognised = true },
			Frictionless, []string{"device_recognised"}},
		{"a known id with other signals is not known", func(f *Facts) { f.DeviceMismatch = true },
			Challenge, []string{"new_device", "device_mismatch"}},
		{"known beats recognised: one device reason", func(f *Facts) { f.KnownDevice, f.DeviceRecognised = true, true },
			Frictionless, []string{"known_device"}},
		{"card testing at the merchant", func(f *Facts) { f.KnownDevice, f.MerchantFailures = true, 20 },
			Challenge, []string{"known_device", "velocity_merchant"}},
		{"fraud reported on the card: a known device is challenged", func(f *Facts) { f.KnownDevice, f.FraudReported = true, true },
			Challenge, []string{"known_device", "fraud_reported"}},
		{"deny-listed device: deny", func(f *Facts) { f.DenylistedDevice = true },
			Deny, []string{"new_device", "denylisted_device"}},
		{"deny-listed address alone: challenge", func(f *Facts) { f.DenylistedAddress = true },
			Challenge, []string{"new_device", "denylisted_address"}},
		{"deny-listed merchant and a fraud report: signals only, a challenge", func(f *Facts) { f.DenylistedMerchant, f.FraudReported = true, true },
			Challenge, []string{"new_device", "fraud_reported", "denylisted_merchant", ReasonDenyNeedsEvidence}},
		{"amount above the usual range needs a history", func(f *Facts) { f.Amount, f.UsualMax, f.UsualCount = 90000, 5000, 2 },
			Challenge, []string{"new_device"}},
		{"amount over the configured limit", func(f *Facts) { f.Amount = 300001 },
			Challenge, []string{"new_device", "amount_over_limit"}},
		{"recent failures", func(f *Facts) { f.Failures = 2 }, Challenge, []string{"new_device", "recent_failures"}},
		{"locked credential: deny", func(f *Facts) { f.KnownDevice, f.CredentialLocked = true, true },
			Deny, []string{"known_device", "credential_locked"}},
		{"watch-listed merchant: deny, even from a known device", func(f *Facts) { f.KnownDevice, f.Watchlisted = true, true },
			Deny, []string{"known_device", "merchant_watchlist"}},
		{"provider says fraud", func(f *Facts) { f.Provider = intp(100) }, Challenge, []string{"new_device", "provider"}},
		{"provider says fraud, with a foreign IP: deny", func(f *Facts) { f.Provider, f.IPCountry = intp(100), "US" },
			Deny, []string{"new_device", "country_mismatch", "timezone_mismatch", "provider"}},
		{"provider says safe, known device", func(f *Facts) { f.KnownDevice, f.Provider = true, intp(0) },
			Frictionless, []string{"known_device", "provider"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base()
			tt.edit(&f)
			d := e.Decide(f)
			var codes []string
			sum := 0
			for _, r := range d.Reasons {
				codes = append(codes, r.Code)
				sum += r.Points
			}
			if d.Outcome != tt.outcome || !slices.Equal(codes, tt.reasons) {
				t.Errorf("Decide = %s %v (score %d), want %s %v", d.Outcome, codes, d.Score, tt.outcome, tt.reasons)
			}
			if sum != d.Score {
				t.Errorf("reasons add up to %d, score is %d: the explanation must be the score", sum, d.Score)
			}
		})
	}
}

func TestThresholdEdges(t *testing.T) {
	cfg := DefaultConfig()
	for name, rc := range cfg.Rules {
		rc.Weight = 0
		cfg.Rules[name] = rc
	}
	for _, tt := range []struct {
		weight  int
		outcome string
	}{
		{cfg.Thresholds.FrictionlessMax, Frictionless},
		{cfg.Thresholds.FrictionlessMax + 1, Challenge},
		{cfg.Thresholds.DenyMin - 1, Challenge},
		{cfg.Thresholds.DenyMin, Deny},
	} {
		c := cfg
		c.Rules = map[string]RuleConfig{}
		for k, v := range cfg.Rules {
			c.Rules[k] = v
		}
		c.Rules["merchant_watchlist"] = RuleConfig{Weight: tt.weight}
		e, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		f := base()
		f.Watchlisted = true
		if d := e.Decide(f); d.Outcome != tt.outcome || d.Score != tt.weight {
			t.Errorf("score %d: %s (score %d), want %s", tt.weight, d.Outcome, d.Score, tt.outcome)
		}
	}
}

func TestZeroWeightTurnsARuleOff(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Rules["webdriver"] = RuleConfig{Weight: 0}
	e, _ := New(cfg)
	f := base()
	f.KnownDevice, f.Webdriver = true, true
	if d := e.Decide(f); d.Outcome != Frictionless || len(d.Reasons) != 1 {
		t.Errorf("webdriver off: %+v, want frictionless on known_device alone", d)
	}
}

func TestCategoriesAreCoarse(t *testing.T) {
	got := Categories([]Reason{{"known_device", -40}, {"country_mismatch", 25}, {"impossible_travel", 50},
		{"velocity_ip", 25}, {"provider", 10}, {ReasonProviderUnavailable, 0}})
	want := []string{CatLocation, CatProvider, CatVelocity}
	if !slices.Equal(got, want) {
		t.Errorf("Categories = %v, want %v (only what raised the score, no rule names)", got, want)
	}
}

func TestParseConfigErrors(t *testing.T) {
	good := string(defaultConfig)
	for _, tt := range []struct {
		name, json, want string
	}{
		{"unknown field", strings.Replace(good, `"deny_min"`, `"deny_minimum"`, 1), "unknown field"},
		{"unknown rule", strings.Replace(good, `"webdriver":`, `"webdrivers":`, 1), "unknown rule"},
		{"bad window", strings.Replace(good, `"10m"`, `"ten minutes"`, 1), "duration"},
		{"thresholds crossed", strings.Replace(good, `"deny_min": 80`, `"deny_min": -30`, 1), "below deny_min"},
		{"provider not http", strings.Replace(good, `"url": ""`, `"url": "ftp://x"`, 1), "http(s)"},
		{"provider timeout too long", strings.Replace(strings.Replace(good, `"url": ""`, `"url": "http://x"`, 1), `"150ms"`, `"5s"`, 1), "timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseConfig = %v, want an error about %q", err, tt.want)
			}
		})
	}
	if _, err := ParseConfig([]byte(`{"thresholds":{"frictionless_max":-20,"deny_min":80},"rules":{}}`)); err == nil ||
		!strings.Contains(err.Error(), "not configured") {
		t.Errorf("missing rules: %v, want an error naming them", err)
	}
}

func TestHeadless(t *testing.T) {
	if !Headless("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.0.0 Safari/537.36") {
		t.Error("HeadlessChrome not recognised")
	}
	if Headless("Mozilla/5.0 (Macintosh) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36") {
		t.Error("desktop Chrome taken for headless")
	}
}

func TestNetwork(t *testing.T) {
	for _, tt := range []struct{ ip, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2:a:b:c:d", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"", ""},
		{"not an address", "not an address"},
	} {
		if got := Network(tt.ip); got != tt.want {
			t.Errorf("Network(%q) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}

// TestEvidence: the rules that may deny are exactly the evidence of fraud
// the issue names; a change here changes who can be denied.
func TestEvidence(t *testing.T) {
	var got []string
	for _, r := range rules {
		if Evidence(r.code) {
			got = append(got, r.code)
		}
	}
	want := []string{"impossible_travel", "credential_locked", "recent_failures", "denylisted_device",
		"denylisted_address", "merchant_watchlist"}
	if !slices.Equal(got, want) {
		t.Errorf("evidence rules = %v, want %v", got, want)
	}
	if !Evidence(ReasonProvider) || Evidence("webdriver") || Evidence("no_such_rule") {
		t.Error("Evidence: provider must be evidence, webdriver and unknown codes not")
	}
}

// TestFactsJSONRoundTrip: stored facts replay to the same decision.
func TestFactsJSONRoundTrip(t *testing.T) {
	e, _ := New(DefaultConfig())
	f := base()
	f.KnownDevice, f.FraudReported, f.PrevCountry, f.PrevAt, f.Provider = true, true, "FR", now.Add(-time.Hour), intp(70)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var g Facts
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if d1, d2 := e.Decide(f), e.Decide(g); d1.Outcome != d2.Outcome || d1.Score != d2.Score || !slices.Equal(d1.Reasons, d2.Reasons) {
		t.Errorf("decision from stored facts %+v differs from %+v (%s)", d2, d1, b)
	}
}
