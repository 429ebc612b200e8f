package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

const deviceA = "dev-0123456789abcdef"

// startWith starts id with the given device and edge signals. The browser
// named by dev.DeviceID keeps the device cookie the issuer has it set, and
// presents it on its next start (unless edge names a cookie itself).
func (h *harness) startWith(id string, dev contract.DeviceSignals, edge contract.EdgeSignals) contract.StartResponse {
	h.t.Helper()
	if edge.DeviceCookie == "" && dev.DeviceID != "" {
		edge.DeviceCookie = h.jars[dev.DeviceID]
	}
	rec := h.do("POST", "/internal/v1/authentications/"+id+"/start", h.edgeToken(id),
		map[string]any{"device": dev, "edge": edge})
	if rec.Code != http.StatusOK {
		h.t.Fatalf("start: %d %s", rec.Code, rec.Body.String())
	}
	res := decodeBody[contract.StartResponse](h.t, rec)
	if res.DeviceCookie != "" && dev.DeviceID != "" {
		if h.jars == nil {
			h.jars = map[string]string{}
		}
		h.jars[dev.DeviceID] = res.DeviceCookie
	}
	return res
}

// reportOutcome is the edge's outcome report for id under a fresh jti.
func (h *harness) reportOutcome(id, status, reason string, gen int) contract.OutcomeResponse {
	h.t.Helper()
	return decodeBody[contract.OutcomeResponse](h.t, h.report(id, challenge.NewID(), status, reason, gen, http.StatusOK))
}

func (h *harness) merchantView(id string) authenticationResponse {
	h.t.Helper()
	rec := h.do("GET", "/v1/authentications/"+id, testAPIKey, nil)
	if rec.Code != http.StatusOK {
		h.t.Fatalf("get: %d %s", rec.Code, rec.Body.String())
	}
	return decodeBody[authenticationResponse](h.t, rec)
}

var tokyo = contract.DeviceSignals{DeviceID: deviceA, Timezone: "Asia/Tokyo", Languages: []string{"ja"},
	UA: "Mozilla/5.0 (X11; Linux x86_64) Chrome/142.0.0.0", ScreenW: 1920, ScreenH: 1080}

// succeedOnce runs a challenge for card from device dev and reports Y.
func (h *harness) succeedOnce(card string, dev contract.DeviceSignals) {
	h.t.Helper()
	id := h.createChallenge(card)
	if res := h.startWith(id, dev, contract.EdgeSignals{IP: "203.0.113.7"}); res.Decision != "challenge" {
		h.t.Fatalf("first purchase: %+v, want a challenge", res)
	}
	h.reportOutcome(id, "Y", "", 1)
}

func TestFrictionlessFromAKnownDevice(t *testing.T) {
	h := newHarness(t)
	h.succeedOnce(cardJA, tokyo)
	h.clock.Add(time.Hour)
	sent := len(h.mails(emailJA))

	id := h.createChallenge(cardJA)
	res := h.startWith(id, tokyo, contract.EdgeSignals{IP: "203.0.113.7"})
	if res.Decision != "frictionless" || res.Status != "Y" || len(res.AV) != 28 || res.ChallengeToken != "" {
		t.Fatalf("second purchase: %+v, want frictionless Y with an av and no challenge", res)
	}
	if n := len(h.mails(emailJA)); n != sent {
		t.Errorf("frictionless sent a code: %d mails, had %d", n, sent)
	}
	a, err := h.store.Authentication(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != "Y" || a.Decision != "frictionless" || string(a.AVHash) != string(hashOf(res.AV)) || a.FinishedAt.IsZero() {
		t.Errorf("stored %+v", a)
	}
	if v := h.merchantView(id); v.Status != "Y" || v.Decision != "frictionless" || len(v.RiskReasons) != 0 {
		t.Errorf("merchant sees %+v, want Y frictionless with no raising reasons", v)
	}
	// The edge reports the Y it minted (gen 0: no challenge): accepted,
	// nothing changes.
	if r := h.reportOutcome(id, "Y", "", 0); r.Applied {
		t.Errorf("edge's report of the frictionless Y applied again: %+v", r)
	}

	// The same device on the other card is not known there.
	other := h.createChallenge(cardEN)
	if res := h.startWith(other, tokyo, contract.EdgeSignals{IP: "203.0.113.7"}); res.Decision != "challenge" {
		t.Errorf("device known for another card: %+v, want a challenge", res)
	}
}

func TestFailedChallengeDoesNotMakeADeviceKnown(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	h.startWith(id, tokyo, contract.EdgeSignals{})
	h.reportOutcome(id, "N", "max_attempts", 1)
	h.clock.Add(time.Hour)
	id = h.createChallenge(cardJA)
	if res := h.startWith(id, tokyo, contract.EdgeSignals{}); res.Decision != "challenge" {
		t.Errorf("after a failed challenge: %+v, want a challenge", res)
	}
}

func TestDenyWatchlistedMerchant(t *testing.T) {
	h := newHarness(t)
	if err := h.store.WatchMerchant(t.Context(), h.merchant.ID, "test", t0); err != nil {
		t.Fatal(err)
	}
	id := h.createChallenge(cardJA)
	res := h.startWith(id, tokyo, contract.EdgeSignals{IP: "203.0.113.7"})
	if res.Decision != "deny" || res.Status != "R" || res.Reason != "suspected_fraud" || res.AV != "" || res.ChallengeToken != "" {
		t.Fatalf("start: %+v, want deny R suspected_fraud", res)
	}
	if n := len(h.mails(emailJA)); n != 0 {
		t.Errorf("deny sent %d code mails", n)
	}
	v := h.merchantView(id)
	if v.Status != "R" || v.Reason != "suspected_fraud" || v.Decision != "deny" || !slices.Equal(v.RiskReasons, []string{"device", "merchant"}) {
		t.Errorf("merchant sees %+v", v)
	}
	if raw := h.do("GET", "/v1/authentications/"+id, testAPIKey, nil).Body.String(); strings.Contains(raw, "watchlist") || strings.Contains(raw, "200") {
		t.Errorf("merchant view shows a rule or a weight: %s", raw)
	}
	if r := h.reportOutcome(id, "R", "suspected_fraud", 0); r.Applied {
		t.Errorf("edge's report of the deny applied again: %+v", r)
	}
	// A start after the decision is refused: the outcome is final.
	rec := h.do("POST", "/internal/v1/authentications/"+id+"/start", h.edgeToken(id), map[string]any{})
	expectError(t, rec, http.StatusConflict, "already_final")

	// The watch list is keyed by the merchant, so no name it may be shown
	// under gets it off: not its registered one, not an origin's, not a
	// descriptor the operator allowed, not none.
	if _, err := h.store.ChangeNames(t.Context(), h.merchant.ID, store.NameChange{
		OriginNames: map[string]string{"http://127.0.0.1:8080": "Demo Shop Loopback"}, Allow: []string{"Demo Shop * Sale"}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ origin, name string }{
		{testOrigin, ""}, {"http://127.0.0.1:8080", ""}, {"http://127.0.0.1:8080", "Demo Shop Loopback"}, {testOrigin, "Demo Shop * Sale"},
	} {
		body := validCreate()
		body["merchant_origin"], body["merchant_name"] = tt.origin, tt.name
		rec := h.do("POST", "/v1/authentications", testAPIKey, body)
		if rec.Code != http.StatusCreated {
			t.Fatalf("create %+v: %d %s", tt, rec.Code, rec.Body.String())
		}
		id := decodeBody[createResponse](t, rec).ID
		if res := h.startWith(id, tokyo, contract.EdgeSignals{IP: "203.0.113.7"}); res.Decision != "deny" {
			t.Errorf("shown as %+v: %+v, want deny", tt, res)
		}
	}
	// A merchant not on the list is not denied, not even when shown under
	// a name like the watched one's (the operator's choice, not the list's).
	other, err := h.store.MerchantByKeyHash(t.Context(), issuer.HashAPIKey(otherAPIKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ChangeNames(t.Context(), other.ID, store.NameChange{DisplayName: "Demo Shop"}); err != nil {
		t.Fatal(err)
	}
	body := validCreate()
	body["card_number"], body["merchant_origin"] = cardEN, "https://other.example"
	rec = h.do("POST", "/v1/authentications", otherAPIKey, body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create for the other merchant: %d %s", rec.Code, rec.Body.String())
	}
	if res := h.startWith(decodeBody[createResponse](t, rec).ID, tokyo, contract.EdgeSignals{IP: "198.51.100.77"}); res.Decision == "deny" {
		t.Errorf("other merchant, same display name: %+v, want no deny", res)
	}
}

func TestReloadKeepsTheChallenge(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	if res := h.startWith(id, tokyo, contract.EdgeSignals{}); res.Decision != "challenge" {
		t.Fatalf("start: %+v", res)
	}
	// Even if the merchant lands on the watch list meanwhile, a reload of
	// the challenge screen gets the same challenge back (the code already
	// mailed, gen 1, no new mail), not a new roll of the dice.
	if err := h.store.WatchMerchant(t.Context(), h.merchant.ID, "", t0); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(time.Second)
	res := h.startWith(id, tokyo, contract.EdgeSignals{})
	if res.Decision != "challenge" || h.openChallenge(res.ChallengeToken).claims.Gen != 1 {
		t.Errorf("reload: %+v, want the challenge again with gen 1", res)
	}
}

func TestStoredSignalsAreOnlyWhatWasUsed(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	h.startWith(id, tokyo, contract.EdgeSignals{IP: "203.0.113.7", Country: "JP", ASN: 2516, Colo: "NRT", TLSVersion: "TLSv1.3"})
	signals, devHash, err := h.store.DecisionSignals(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := h.store.Authentication(t.Context(), id)
	reasons := a.RiskReasons
	for _, never := range []string{deviceA, "Chrome", "1920", "NRT", "TLSv1.3", `"ja"`} {
		if strings.Contains(signals, never) {
			t.Errorf("stored signals %s hold %q, which no rule uses", signals, never)
		}
	}
	for _, used := range []string{"203.0.113.7", `"JP"`, "Asia/Tokyo"} {
		if !strings.Contains(signals, used) {
			t.Errorf("stored signals %s lack %s", signals, used)
		}
	}
	if len(devHash) != 32 || strings.Contains(string(devHash), deviceA) {
		t.Errorf("device stored as %x, want a 32-byte HMAC", devHash)
	}
	var rs []risk.Reason
	if err := json.Unmarshal([]byte(reasons), &rs); err != nil || len(rs) == 0 || rs[0].Code != "new_device" {
		t.Errorf("stored reasons %s", reasons)
	}
}

// fakeProvider is the third-party risk service: real HTTP, a set score, an
// optional delay, and a record of what it was sent.
type fakeProvider struct {
	mu     sync.Mutex
	bodies []string
	score  int
	status int
	delay  time.Duration
	srv    *httptest.Server
}

func newFakeProvider(t *testing.T, score int) *fakeProvider {
	f := &fakeProvider{score: score, status: http.StatusOK}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, string(b))
		delay, status, score := f.delay, f.status, f.score
		f.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]int{"score": score})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeProvider) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.bodies)
}

func (h *harness) useProvider(f *fakeProvider, timeout time.Duration) {
	h.reconfigure(func(c *acs.Config) { c.Provider = &risk.Provider{URL: f.srv.URL, Timeout: timeout} })
}

func (h *harness) setOptOut(card string, optOut bool) {
	h.t.Helper()
	n, _ := pan.Parse(card)
	c, err := h.store.CardholderByPAN(h.t.Context(), h.cfg.PAN.Sum(n))
	if err != nil {
		h.t.Fatal(err)
	}
	c.SharingOptOut = optOut
	if _, err := h.store.UpsertCardholder(h.t.Context(), c); err != nil {
		h.t.Fatal(err)
	}
}

func storedReasons(t *testing.T, h *harness, id string) []string {
	t.Helper()
	a, err := h.store.Authentication(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var rs []risk.Reason
	json.Unmarshal([]byte(a.RiskReasons), &rs)
	var codes []string
	for _, r := range rs {
		codes = append(codes, r.Code)
	}
	return codes
}

func TestProviderScoreJoinsTheRules(t *testing.T) {
	h := newHarness(t)
	p := newFakeProvider(t, 100)
	h.useProvider(p, time.Second)
	id := h.createChallenge(cardJA)
	// new_device 15 + country_mismatch 25 + provider 40 = 80: deny.
	res := h.startWith(id, contract.DeviceSignals{DeviceID: deviceA}, contract.EdgeSignals{IP: "198.51.100.9", Country: "US"})
	if res.Decision != "deny" {
		t.Errorf("with a fraud score from the provider: %+v, want deny", res)
	}
	calls := p.calls()
	if len(calls) != 1 {
		t.Fatalf("provider called %d times, want 1", len(calls))
	}
	// Pseudonymised: no card number, last 4, email, raw device id or IP.
	for _, never := range []string{"3540", "9016", emailJA, deviceA, "198.51.100.9"} {
		if strings.Contains(calls[0], never) {
			t.Errorf("provider payload %s contains %q", calls[0], never)
		}
	}
	var got risk.ProviderRequest
	if err := json.Unmarshal([]byte(calls[0]), &got); err != nil || got.Card == "" || got.Device == "" || got.IP == "" ||
		got.Amount != 1250 || got.Country != "US" {
		t.Errorf("provider payload %s: %v", calls[0], err)
	}
	if !slices.Contains(storedReasons(t, h, id), "provider") {
		t.Errorf("stored reasons %v lack the provider", storedReasons(t, h, id))
	}
}

func TestOptedOutCardholderIsNeverSentToTheProvider(t *testing.T) {
	h := newHarness(t)
	p := newFakeProvider(t, 100)
	h.useProvider(p, time.Second)
	h.setOptOut(cardJA, true)
	id := h.createChallenge(cardJA)
	res := h.startWith(id, tokyo, contract.EdgeSignals{IP: "198.51.100.9", Country: "US"})
	if n := len(p.calls()); n != 0 {
		t.Fatalf("opted-out cardholder sent to the provider %d times", n)
	}
	if res.Decision != "challenge" || !slices.Contains(storedReasons(t, h, id), risk.ReasonProviderOptOut) {
		t.Errorf("opted out: %+v reasons %v, want a challenge decided by the rules, noted as opted out", res, storedReasons(t, h, id))
	}
	// Opting back in sends the next one.
	h.setOptOut(cardJA, false)
	h.startWith(h.createChallenge(cardJA), tokyo, contract.EdgeSignals{})
	if n := len(p.calls()); n != 1 {
		t.Errorf("after opting in, provider called %d times, want 1", n)
	}
}

func TestProviderDownOrSlowLeavesTheRulesToDecide(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(*fakeProvider)
	}{
		{"slow", func(f *fakeProvider) { f.delay = 2 * time.Second }},
		{"error status", func(f *fakeProvider) { f.status = http.StatusServiceUnavailable }},
		{"score out of range", func(f *fakeProvider) { f.score = 101 }},
		{"down", func(f *fakeProvider) { f.srv.Close() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.succeedOnce(cardJA, tokyo) // before the provider: the device becomes known
			p := newFakeProvider(t, 100)
			tt.setup(p)
			h.useProvider(p, 50*time.Millisecond)
			h.clock.Add(time.Hour)
			id := h.createChallenge(cardJA)
			res := h.startWith(id, tokyo, contract.EdgeSignals{})
			if res.Decision != "frictionless" {
				t.Errorf("provider %s: %+v, want the rules' own frictionless", tt.name, res)
			}
			if r := storedReasons(t, h, id); !slices.Contains(r, risk.ReasonProviderUnavailable) {
				t.Errorf("stored reasons %v do not note the provider was unavailable", r)
			}
		})
	}
}

func TestHistoryRules(t *testing.T) {
	t.Run("recent failures then velocity deny", func(t *testing.T) {
		h := newHarness(t)
		dev := contract.DeviceSignals{DeviceID: deviceA}
		edge := contract.EdgeSignals{IP: "198.51.100.9"}
		var last contract.StartResponse
		for i := range 12 {
			id := h.createChallenge(cardJA)
			last = h.startWith(id, dev, edge)
			if last.Decision == "challenge" {
				h.reportOutcome(id, "N", "max_attempts", 1)
			}
			h.clock.Add(10 * time.Second)
			if last.Decision == "deny" {
				if i < 5 {
					t.Fatalf("denied after only %d tries", i+1)
				}
				return
			}
		}
		t.Fatalf("12 failures from one device and IP in two minutes never denied: %+v", last)
	})
	t.Run("impossible travel", func(t *testing.T) {
		h := newHarness(t)
		h.startWith(h.createChallenge(cardJA), tokyo, contract.EdgeSignals{Country: "JP"})
		h.clock.Add(30 * time.Minute)
		id := h.createChallenge(cardJA)
		h.startWith(id, tokyo, contract.EdgeSignals{Country: "FR"})
		if r := storedReasons(t, h, id); !slices.Contains(r, "impossible_travel") || !slices.Contains(r, "country_mismatch") {
			t.Errorf("Tokyo then Paris 30 min later: reasons %v", r)
		}
	})
	t.Run("amount above the usual range", func(t *testing.T) {
		h := newHarness(t)
		for i, tz := range []string{"Asia/Tokyo", "Asia/Seoul", "Asia/Taipei"} {
			dev := tokyo
			// Each another browser in another time zone: none known or
			// recognised, each a challenge.
			dev.DeviceID, dev.Timezone = fmt.Sprintf("device-%d", i), tz
			h.succeedOnce(cardJA, dev)
			h.clock.Add(time.Hour)
		}
		body := validCreate()
		body["amount"] = 50000
		rec := h.do("POST", "/v1/authentications", testAPIKey, body)
		id := decodeBody[createResponse](t, rec).ID
		res := h.startWith(id, tokyo, contract.EdgeSignals{})
		if r := storedReasons(t, h, id); res.Decision != "challenge" || !slices.Contains(r, "amount_above_usual") {
			t.Errorf("¥50,000 after three ¥1,250: %+v reasons %v", res, r)
		}
	})
	t.Run("locked credential", func(t *testing.T) {
		h := newHarness(t)
		n, _ := pan.Parse(cardJA)
		c, _ := h.store.CardholderByPAN(t.Context(), h.cfg.PAN.Sum(n))
		c.OTPLocked = true
		if _, err := h.store.UpsertCardholder(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		if res := h.startWith(h.createChallenge(cardJA), tokyo, contract.EdgeSignals{}); res.Decision != "deny" {
			t.Errorf("locked credential: %+v, want deny", res)
		}
	})
}
