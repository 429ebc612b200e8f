package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/e2e/stack"
	"github.com/honnin/honnin/issuer/store"
)

// authView is the merchant API's view of an authentication.
type authView struct {
	Status      string   `json:"status"`
	Reason      string   `json:"reason"`
	Decision    string   `json:"decision"`
	RiskReasons []string `json:"risk_reasons"`
}

func merchantView(t *testing.T, id string) authView {
	t.Helper()
	req, _ := http.NewRequest("GET", sys.IssuerURL+"/v1/authentications/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+sys.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v authView
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// payWithoutScreen pays with the card number on s's shop in ctx's browser
// and expects the order page without the code screen ever being needed:
// it returns the order's status, result status and reason and the
// authentication id.
func payWithoutScreen(t *testing.T, ctx context.Context, s *stack.Stack, number string) (orderStatus, status, reason, id string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(s.ShopURL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#card")),
		chromedp.SendKeys(chromedp.CSS("#card"), number),
		chromedp.Click(chromedp.CSS("#pay")),
		chromedp.WaitVisible(chromedp.CSS("#order-status")),
	)
	return text(t, ctx, "#order-status"), text(t, ctx, "#status"), text(t, ctx, "#reason"),
		eval[string](t, ctx, `document.querySelector("#authentication-id").textContent.trim()`)
}

// TestFrictionlessFromAKnownDevice: a purchase with the code, then a small
// one from the same browser profile (the client's device id is in its
// local storage): no screen, no code mail, paid with Y.
//
// It runs on the suite's stack, not the attack tests' production-like
// one: with the default rules headless Chromium is never frictionless
// (webdriver +40 and its HeadlessChrome user agent +25 outweigh
// known_device's −40), and every test comes from 127.0.0.1 (velocity_ip);
// testdata/risk.json relaxes exactly those.
func TestFrictionlessFromAKnownDevice(t *testing.T) {
	card := newCard(t, "email", enrolOpts{})
	ctx := newBrowser(t)
	c := startCheckoutIn(t, ctx, card, 1)
	c.enter(c.code())
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("first purchase: order %q status %q, want paid Y", orderStatus, status)
	}
	mails := len(inbox(t, card.Email))

	orderStatus, status, _, id := payWithoutScreen(t, ctx, sys, card.Number)
	if orderStatus != "paid" || status != "Y" {
		t.Fatalf("second purchase: order %q status %q, want paid Y", orderStatus, status)
	}
	if eci := text(t, ctx, "#eci"); eci != "05" {
		t.Errorf("frictionless ECI %q, want 05", eci)
	}
	if v := merchantView(t, id); v.Decision != "frictionless" || v.Status != "Y" {
		t.Errorf("issuer has %+v, want a frictionless Y", v)
	}
	// In workerd the edge passed request.cf (edge/dev-cf.json locally) and
	// the client's IP to the issuer.
	if got := usedSignals(t, id); edgeRuntime() == "workerd" &&
		(got.Country != devCF.Country || got.ASN != devCF.ASN || got.IP != "127.0.0.1") {
		t.Errorf("issuer decided on %+v, want %s, ASN %d from 127.0.0.1", got, devCF.Country, devCF.ASN)
	}
	// No code was sent: nothing was there to type. The issuer mails a
	// code inside its start, before it answers, and the sink keeps a mail
	// before it accepts it; so the code of a later challenge of the card
	// is in the inbox once that start has answered, after any this
	// purchase sent. With it there, the one new mail must be it.
	openChallenge(t, card.Number, markerAmount)
	ms := inbox(t, card.Email)
	if len(ms) != mails+1 || !strings.Contains(ms[0].Text, "1,234") {
		var subjects []string
		for _, m := range ms[:len(ms)-mails] {
			subjects = append(subjects, m.Subject)
		}
		t.Errorf("after the frictionless purchase and a later challenge of ¥1,234, the card has %d new mails (%q), want only that challenge's code",
			len(ms)-mails, subjects)
	}
}

// markerAmount is the amount of a challenge a test opens after what it
// checks, so that its code mail is told apart (¥1,234).
const markerAmount = 1234

// openChallenge opens a challenge for the card number on the suite's
// stack over plain HTTP: the merchant's create, then the edge's start from
// a device the card has never used. It fails the test unless the start
// answers the challenge screen with its code sent.
func openChallenge(t *testing.T, number string, amount int64) {
	t.Helper()
	var created struct {
		SessionToken string `json:"session_token"`
	}
	post(t, sys.IssuerURL+"/v1/authentications", "Bearer "+sys.APIKey, map[string]any{
		"card_number": number, "amount": amount, "currency": "JPY", "merchant_name": "Demo Shop",
		"merchant_origin": sys.ShopURL, "order_ref": "e2e-" + randText(12),
	}, http.StatusCreated, &created)
	var sc screen
	if err := edgePost("/v1/start", map[string]any{"session_token": created.SessionToken}, http.StatusOK, &sc); err != nil {
		t.Fatal(err)
	}
	if sc.State != "challenge" || sc.Display == nil || sc.Display.Delivery != "sent" {
		t.Fatalf("start: %+v, want a challenge with its code sent", sc)
	}
}

// TestChallengeFromAnotherCountry: a new device whose requests say (through
// the header the e2e edge trusts from loopback) they come from the US,
// buying 40 sets (¥50,000), is challenged, and the issuer saw the country
// and the amount.
//
// It runs on the suite's stack: natively the production-like stack's edge
// believes no header from loopback for the country (only a trusted
// proxy's), and with the default rules headless Chromium from a new device
// abroad is denied (webdriver 40, headless_browser 25, new_device 15,
// country_mismatch 25), not challenged.
func TestChallengeFromAnotherCountry(t *testing.T) {
	card := newCard(t, "email", enrolOpts{})
	ctx := newBrowser(t)
	fromCountry(t, ctx, usCF)
	c := startCheckoutIn(t, ctx, card, 40)
	c.waitFrameText("#amount", "50,000")
	c.code() // the challenge screen is up and a code went out
	cancelTwice(t, ctx, c.in)
	c.outcome()
	aid := eval[string](t, ctx, `document.querySelector("#authentication-id").textContent.trim()`)
	v := merchantView(t, aid)
	if v.Decision != "challenge" {
		t.Fatalf("issuer has %+v, want a challenge", v)
	}
	if !slices.Contains(v.RiskReasons, "location") {
		t.Errorf("risk reasons %v lack location (a JP card from the US)", v.RiskReasons)
	}
	// The header reached the edge from inside the iframe: the issuer
	// recorded the country among the signals its decision used.
	got := usedSignals(t, aid)
	if got.Country != "US" {
		t.Errorf("issuer decided on country %q, want US (from the %s)", got.Country, edgeRuntime())
	}
	if edgeRuntime() == "workerd" && got.ASN != usCF.ASN {
		t.Errorf("issuer has ASN %d, want request.cf's %d", got.ASN, usCF.ASN)
	}
}

// cf is the part of a local request.cf the tests choose.
type cf struct {
	Country string `json:"country"`
	ASN     int64  `json:"asn"`
	Colo    string `json:"colo"`
}

// usCF is a request from San Jose; devCF is what edge/dev-cf.json gives
// every request to the local workerd.
var (
	usCF  = cf{Country: "US", ASN: 7018, Colo: "SJC"}
	devCF = cf{Country: "JP", ASN: 2516, Colo: "NRT"}
)

// fromCountry makes every request of ctx's browser say it comes from c:
// natively through the header the e2e edge trusts from loopback (and only
// there); in workerd through MF-CF-Blob, the header from which wrangler's
// local runtime (miniflare) takes a request's request.cf. A deployed
// worker never sees that: Cloudflare's edge sets request.cf itself, and the
// worker reads no header for it.
func fromCountry(t *testing.T, ctx context.Context, c cf) {
	t.Helper()
	h := network.Headers{countryHeader: c.Country}
	if edgeRuntime() == "workerd" {
		blob, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		h = network.Headers{"MF-CF-Blob": string(blob)}
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h}); err != nil {
		t.Fatal(err)
	}
}

// signals are the edge's part of what the issuer stores with a decision.
type signals struct {
	Country, IP string
	ASN         int64
}

// usedSignals reads what the suite's issuer stored as the signals of a
// decision (signalsIn).
func usedSignals(t *testing.T, id string) signals {
	t.Helper()
	return signalsIn(t, stateDir, id)
}

// signalsIn reads what the issuer of the stack whose state folder is
// state stored as the signals of a decision, from its database (SQLite
// in WAL mode: a second reader is fine).
func signalsIn(t *testing.T, state, id string) signals {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(state, "issuer.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raw, _, err := st.DecisionSignals(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var s signals
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatalf("signals %q: %v", raw, err)
	}
	return s
}

// TestDenyWithoutScreen: the demo card whose code credential is locked
// (the README's deny outcome) is denied by the risk engine: no screen, no
// code mail, not paid, R. It runs on the attack tests' stack, whose issuer
// has the default risk rules, as `make run` has them. The demo card is
// only read: a denied purchase changes nothing another test reads.
func TestDenyWithoutScreen(t *testing.T) {
	x := newAttack(t)
	var card stack.DemoCard
	for _, c := range x.s.Cards {
		if c.Note == "deny:otp-locked" {
			card = c
		}
	}
	if card.Number == "" {
		t.Fatalf("no deny demo card in %+v", x.s.Cards)
	}
	orderStatus, status, reason, id := payWithoutScreen(t, newBrowser(t), x.s, card.Number)
	if orderStatus != "not paid" || status != "R" || reason != "suspected_fraud" {
		t.Fatalf("order %q status %q reason %q, want not paid R suspected_fraud", orderStatus, status, reason)
	}
	if v := x.shop().merchantGet(id); v.Decision != "deny" || !slices.Contains(v.RiskReasons, "account") {
		t.Errorf("issuer has %+v, want deny for an account reason", v)
	}
	// The issuer mails a code inside its start, before it answers, and the
	// sink keeps a mail before it accepts it: with the deny recorded and
	// the start answered, a code of this purchase would be in the inbox.
	if n := len(x.mails(card.Email)); n != 0 {
		t.Errorf("deny sent %d code mails", n)
	}
}
