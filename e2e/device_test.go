package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/e2e/chromium"
	"github.com/honnin/honnin/e2e/stack"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer/store"
)

// The device tests (issue 15) run with the shop on another site than the
// edge (127.0.0.1 and localhost), as every real shop is: the challenge
// iframe is third-party, so what it stores is partitioned by the shop's
// site, or blocked. They prove what the cardholder sees (the code screen
// or none), what the merchant sees (the order page, the merchant API's
// decision) and why the issuer decided so (the rules that fired, as the
// operator reads them).

// decision is what the issuer stored of a risk decision: the outcome, the
// score and each rule that fired with its points (notes, such as
// deny_needs_evidence, with 0).
type decision struct {
	Outcome string
	Score   int
	Rules   map[string]int
}

// fired reports whether the rule fired.
func (d decision) fired(rule string) bool {
	_, ok := d.Rules[rule]
	return ok
}

func (d decision) String() string {
	return fmt.Sprintf("%s, score %d, rules %v", d.Outcome, d.Score, d.Rules)
}

// decisionOn reads the decision on authentication id from the database in
// state (a stack's state folder), as risk_test.go reads the signals:
// SQLite in WAL mode takes a second reader.
func decisionOn(t *testing.T, state, id string) decision {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(state, "issuer.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := st.Authentication(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []struct {
		Code   string `json:"code"`
		Points int    `json:"points"`
	}
	if err := json.Unmarshal([]byte(a.RiskReasons), &reasons); err != nil {
		t.Fatalf("risk reasons %q of %s: %v", a.RiskReasons, id, err)
	}
	d := decision{Outcome: a.Decision, Score: a.RiskScore, Rules: map[string]int{}}
	for _, r := range reasons {
		d.Rules[r.Code] = r.Points
	}
	return d
}

// shopPay pays for one matcha set with number on s's shop in ctx's
// browser, expecting no code screen, and returns the order page's status,
// authentication status and reason and the authentication id. A purchase
// that is challenged instead fails the test once the order page has not
// come in 45 s.
func shopPay(t *testing.T, ctx context.Context, s *stack.Stack, number string) (orderStatus, status, reason, id string) {
	t.Helper()
	wait, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	err := chromedp.Do(wait,
		chromedp.Navigate(s.ShopURL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#card")),
		chromedp.SendKeys(chromedp.CSS("#card"), number),
		chromedp.Click(chromedp.CSS("#pay")),
		chromedp.WaitVisible(chromedp.CSS("#order-status")),
	)
	if err != nil {
		png, _ := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		name := fmt.Sprintf("no-order-page-%s.png", strings.ReplaceAll(t.Name(), "/", "-"))
		writeArtifact(t, name, png)
		t.Fatalf("no order page after paying with %s (the code screen came instead?): %v; the page is in %s", last4(number), err, name)
	}
	return text(t, ctx, "#order-status"), text(t, ctx, "#status"), text(t, ctx, "#reason"),
		eval[string](t, ctx, `document.querySelector("#authentication-id").textContent.trim()`)
}

// payWithCode is a purchase with the code screen: the challenge, the
// mailed code, the order page paid Y. It returns the authentication id.
func payWithCode(t *testing.T, ctx context.Context, s *stack.Stack, card ownCard) string {
	t.Helper()
	c := startCheckoutOn(t, ctx, s, card, 1)
	c.enter(c.code())
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("purchase with the code: order %q status %q, want paid Y", orderStatus, status)
	}
	return eval[string](t, ctx, `document.querySelector("#authentication-id").textContent.trim()`)
}

// edgeTraffic records what ctx's browser exchanged with the edge: the
// bodies of its POSTs, the cookies it sent and the cookies the edge set.
type edgeTraffic struct {
	mu   sync.Mutex
	reqs map[network.RequestID]*edgeRequest
	ids  []network.RequestID // in order
}

type edgeRequest struct {
	URL, Body string
	// Cookie is the Cookie header the browser sent; SetCookie the edge's
	// Set-Cookie headers (one a line), as the network saw them.
	Cookie, SetCookie string
}

// recordEdge starts recording ctx's traffic with the edge of s.
func recordEdge(t *testing.T, ctx context.Context, s *stack.Stack) *edgeTraffic {
	t.Helper()
	tr := &edgeTraffic{reqs: map[network.RequestID]*edgeRequest{}}
	get := func(id network.RequestID) *edgeRequest {
		r := tr.reqs[id]
		if r == nil {
			r = &edgeRequest{}
			tr.reqs[id] = r
			tr.ids = append(tr.ids, id)
		}
		return r
	}
	err := chromedp.Listen(ctx, func(ev any) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if strings.HasPrefix(e.Request.URL, s.EdgeURL+"/") {
				r := get(e.RequestID)
				r.URL = e.Request.URL
				for _, p := range e.Request.PostDataEntries {
					r.Body += string(p.Bytes)
				}
			}
		case *network.EventRequestWillBeSentExtraInfo:
			if r := tr.reqs[e.RequestID]; r != nil || headerOf(e.Headers, "Cookie") != "" {
				get(e.RequestID).Cookie = headerOf(e.Headers, "Cookie")
			}
		case *network.EventResponseReceivedExtraInfo:
			if v := headerOf(e.Headers, "Set-Cookie"); v != "" {
				get(e.RequestID).SetCookie = v
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	return tr
}

// headerOf is the value of a header in a CDP header map, whatever its
// case.
func headerOf(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// to returns the recorded requests to the edge path (/v1/start), oldest
// first. The ExtraInfo events of a request may come before or after its
// main event; requests with no URL yet are left out.
func (tr *edgeTraffic) to(path string) []edgeRequest {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []edgeRequest
	for _, id := range tr.ids {
		r := tr.reqs[id]
		if u, _, _ := strings.Cut(r.URL, "?"); strings.HasSuffix(u, path) {
			out = append(out, *r)
		}
	}
	return out
}

// deviceCookieSet is the device cookie's value the edge set in its
// answers (the last one), "" if it set none.
func (tr *edgeTraffic) deviceCookieSet() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	v := ""
	for _, id := range tr.ids {
		for _, line := range strings.Split(tr.reqs[id].SetCookie, "\n") {
			if after, ok := strings.CutPrefix(strings.TrimSpace(line), contract.DeviceCookieName+"="); ok {
				v, _, _ = strings.Cut(after, ";")
			}
		}
	}
	return v
}

// cookieValue is the value of the cookie name in a Cookie header.
func cookieValue(header, name string) string {
	for _, c := range strings.Split(header, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(c), name+"="); ok {
			return v
		}
	}
	return ""
}

func writeArtifact(t *testing.T, name string, b []byte) {
	t.Helper()
	if len(b) == 0 {
		return
	}
	if err := os.WriteFile(filepath.Join(artifacts(), name), b, 0o644); err != nil {
		t.Log(err)
	}
}

// TestSecondPurchaseFrictionless: one cardholder's browser profile, kept
// on disk across a restart of the browser, pays on the shop (another site
// than the edge) with the code, and the next purchase after the restart is
// frictionless: no code screen, no mail, the order paid Y with ECI 05, and
// the issuer knew the device (known_device). Once with Chromium's default
// (a third-party frame's storage partitioned by the top-level site), once
// with third-party cookies and storage blocked, where the frame's
// localStorage throws and only the partitioned device cookie (CHIPS)
// remains.
func TestSecondPurchaseFrictionless(t *testing.T) {
	needStack(t)
	for _, tc := range []struct {
		name    string
		profile chromium.Profile
	}{
		{"partitioned storage", chromium.Profile{}},
		{"third-party storage blocked", chromium.Profile{BlockThirdParty: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card := newCard(t, "email", enrolOpts{})
			tc.profile.Dir = t.TempDir()
			first := chromium.Launch(t, tc.profile)
			ctx := first.Tab(t)
			tr := recordEdge(t, ctx, sys)
			payWithCode(t, ctx, sys, card)
			set := tr.deviceCookieSet()
			if set == "" {
				t.Errorf("the edge set no %s cookie during the purchase", contract.DeviceCookieName)
			}
			if err := first.Stop(); err != nil {
				t.Fatal(err)
			}
			mails := len(inbox(t, card.Email))

			// The browser again, as the cardholder opens it the next day.
			ctx = chromium.Launch(t, tc.profile).Tab(t)
			tr = recordEdge(t, ctx, sys)
			orderStatus, status, _, id := shopPay(t, ctx, sys, card.Number)
			if orderStatus != "paid" || status != "Y" {
				t.Fatalf("second purchase: order %q status %q, want paid Y", orderStatus, status)
			}
			if eci := text(t, ctx, "#eci"); eci != "05" {
				t.Errorf("frictionless ECI %q, want 05", eci)
			}
			if v := merchantView(t, id); v.Decision != "frictionless" || v.Status != "Y" {
				t.Errorf("the merchant sees %+v, want a frictionless Y", v)
			}
			d := decisionOn(t, stateDir, id)
			if !d.fired("known_device") {
				t.Errorf("the issuer decided %v, want known_device (the device cookie)", d)
			}
			// The browser kept the cookie across the restart and sent it
			// with the start, from inside the third-party frame.
			starts := tr.to("/v1/start")
			if len(starts) == 0 {
				t.Fatal("no POST /v1/start recorded")
			}
			if sent := cookieValue(starts[len(starts)-1].Cookie, contract.DeviceCookieName); set != "" && sent != set {
				t.Errorf("the second purchase's start sent %s=%q, want the cookie set at the first (%q)",
					contract.DeviceCookieName, sent, set)
			}
			if n := len(inbox(t, card.Email)); n != mails {
				t.Errorf("the frictionless purchase mailed %d codes", n-mails)
			}
		})
	}
}

// TestDeviceRecognisedInAnotherProfile: the cardholder paid with the code
// in one browser profile; a fresh profile of the same browser on the same
// machine (same user agent, screen, languages, time zone: in the suite,
// another browser context of the one Chromium) has no cookie and no
// storage of the first, and its purchase is frictionless because the
// issuer recognised the device by its fingerprint (device_recognised, not
// known_device). The operator reads the same in `issuer authentication
// show`.
//
// Both profiles are in Japan's time zone, as the cardholder's machine is:
// in workerd the local request.cf says JP, and headless Chromium's UTC
// would add timezone_mismatch, which a recognised device (−25) does not
// outweigh as a known one (−40) does.
func TestDeviceRecognisedInAnotherProfile(t *testing.T) {
	card := newCard(t, "email", enrolOpts{})
	first := newBrowser(t)
	inTokyo(t, first)
	payWithCode(t, first, sys, card)
	mails := len(inbox(t, card.Email))

	ctx := newBrowser(t)
	inTokyo(t, ctx)
	orderStatus, status, _, id := shopPay(t, ctx, sys, card.Number)
	if orderStatus != "paid" || status != "Y" {
		t.Fatalf("purchase from the fresh profile: order %q status %q, want paid Y", orderStatus, status)
	}
	if v := merchantView(t, id); v.Decision != "frictionless" {
		t.Errorf("the merchant sees %+v, want frictionless", v)
	}
	d := decisionOn(t, stateDir, id)
	if !d.fired("device_recognised") || d.fired("known_device") || d.fired("new_device") {
		t.Errorf("the issuer decided %v, want device_recognised (and neither known_device nor new_device)", d)
	}
	if n := len(inbox(t, card.Email)); n != mails {
		t.Errorf("the frictionless purchase mailed %d codes", n-mails)
	}
	checkShow(t, sys, id, d)
}

// operatorDB runs `issuer <args>` on s's database (no keys), and fails
// the test on error.
func operatorDB(t *testing.T, s *stack.Stack, args ...string) string {
	t.Helper()
	out, err := s.Operator(context.Background(), args...)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// inTokyo sets the time zone of ctx's pages (and their frames) to
// Asia/Tokyo.
func inTokyo(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
}

// checkShow: `issuer authentication show -id ID` (the operator's
// explanation) names the decision and every rule that fired with its
// points, and its -json form says the same as the database.
func checkShow(t *testing.T, s *stack.Stack, id string, d decision) {
	t.Helper()
	out := operatorDB(t, s, "authentication", "show", "-id", id)
	if !strings.Contains(out, d.Outcome) {
		t.Errorf("authentication show does not name the decision %q:\n%s", d.Outcome, out)
	}
	// The rules' table: RULE POINTS KIND, the points signed.
	table := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 3 {
			table[f[0]] = f[1]
		}
	}
	for rule, points := range d.Rules {
		want := fmt.Sprintf("%+d", points)
		if points == 0 {
			want = "0"
		}
		if table[rule] != want {
			t.Errorf("authentication show gives rule %s %q points, want %s:\n%s", rule, table[rule], want, out)
		}
	}
	raw := operatorDB(t, s, "authentication", "show", "-id", id, "-json")
	var shown struct {
		Decision string `json:"decision"`
		Score    int    `json:"score"`
		Rules    []struct {
			Code   string `json:"code"`
			Points int    `json:"points"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(raw), &shown); err != nil {
		t.Fatalf("authentication show -json: %v:\n%s", err, raw)
	}
	got := decision{Outcome: shown.Decision, Score: shown.Score, Rules: map[string]int{}}
	for _, r := range shown.Rules {
		got.Rules[r.Code] = r.Points
	}
	if got.String() != d.String() {
		t.Errorf("authentication show -json says %v, the database %v", got, d)
	}
}

// TestReplayedDeviceIsChallenged: a script that got hold of a cardholder's
// device cookie and device id (what the browser sent in its start) replays
// them from a plain HTTP client with another browser's signals on a new
// purchase: the issuer challenges it (device_mismatch: the cookie's device
// looked otherwise), never frictionless. Without the cookie, the device id
// alone is a new device.
func TestReplayedDeviceIsChallenged(t *testing.T) {
	card := newCard(t, "email", enrolOpts{})
	ctx := newBrowser(t)
	tr := recordEdge(t, ctx, sys)
	payWithCode(t, ctx, sys, card)
	cookie := tr.deviceCookieSet()
	starts := tr.to("/v1/start")
	if len(starts) == 0 {
		t.Fatal("no POST /v1/start recorded")
	}
	var sent struct {
		Device contract.DeviceSignals `json:"device"`
	}
	if err := json.Unmarshal([]byte(starts[0].Body), &sent); err != nil || sent.Device.DeviceID == "" {
		t.Fatalf("the browser's start body %q has no device id (%v)", starts[0].Body, err)
	}
	// Another browser on another machine: Firefox on Windows, its screen.
	other := sent.Device
	other.UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	other.Platform = "Win32"
	other.ScreenW, other.ScreenH, other.PixelRatio, other.HWConcurrency = 1920, 1080, 1.25, 16
	other.Webdriver = false

	for _, tc := range []struct {
		name, cookie string
		want         string // the rule that must fire
	}{
		{"the device cookie and id", cookie, "device_mismatch"},
		{"the device id alone", "", "new_device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cookie == "" && tc.want == "device_mismatch" {
				t.Fatalf("the edge set no %s cookie during the purchase: nothing to replay", contract.DeviceCookieName)
			}
			id, session := createAuthentication(t, card.Number)
			a := replayStart(t, session, other, tc.cookie)
			if a.State != "challenge" {
				t.Fatalf("the replayed start answered %q (%s), want the challenge screen", a.State, a.Raw)
			}
			d := decisionOn(t, stateDir, id)
			if d.Outcome != "challenge" || !d.fired(tc.want) || d.fired("known_device") || d.fired("device_recognised") {
				t.Errorf("the issuer decided %v, want a challenge for %s, the device neither known nor recognised", d, tc.want)
			}
			if v := merchantView(t, id); v.Decision != "challenge" {
				t.Errorf("the merchant sees %+v, want a challenge", v)
			}
		})
	}
}

// replayStart is a script's POST /v1/start with the device signals dev
// and, when set, the device cookie.
func replayStart(t *testing.T, session string, dev contract.DeviceSignals, cookie string) answer {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"session_token": session, "device": dev})
	req, _ := http.NewRequest("POST", sys.EdgeURL+"/v1/start", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", dev.UA)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: contract.DeviceCookieName, Value: cookie})
	}
	resp, err := edgeClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{HTTP: resp.StatusCode, Raw: string(raw)}
	if err := json.Unmarshal(raw, &a.screen); err != nil {
		t.Fatalf("start answered %s %q", resp.Status, raw)
	}
	return a
}

// TestAutomatedBrowserIsChallenged: a browser launched as a merchant's own
// checkout tests launch it (chromedp's defaults: navigator.webdriver, a
// HeadlessChrome user agent), on the stack with the default risk rules,
// gets the code screen and pays with the code: automation is a signal,
// and a bot has no code; a deny needs evidence. The demo card whose code
// credential is locked is still denied in the same browser.
func TestAutomatedBrowserIsChallenged(t *testing.T) {
	x := newAttack(t)
	ctx := chromium.Launch(t, chromium.Profile{Automation: true}).Tab(t)
	card := x.enrol("email", enrolOpts{})
	id := payWithCode(t, ctx, x.s, card)
	if v := x.shop().merchantGet(id); v.Decision != "challenge" || v.Status != "Y" {
		t.Errorf("the merchant sees %+v, want a challenge passed (Y)", v)
	}
	d := decisionOn(t, attackState, id)
	for _, rule := range []string{"webdriver", "headless_browser"} {
		if !d.fired(rule) {
			t.Errorf("the issuer decided %v, want %s among the rules", d, rule)
		}
	}

	var locked stack.DemoCard
	for _, c := range x.s.Cards {
		if c.Note == "deny:otp-locked" {
			locked = c
		}
	}
	if locked.Number == "" {
		t.Fatalf("no locked demo card in %+v", x.s.Cards)
	}
	orderStatus, status, reason, id := shopPay(t, ctx, x.s, locked.Number)
	if orderStatus != "not paid" || status != "R" || reason != "suspected_fraud" {
		t.Fatalf("locked card: order %q status %q reason %q, want not paid R suspected_fraud", orderStatus, status, reason)
	}
	if d := decisionOn(t, attackState, id); d.Outcome != "deny" || !d.fired("credential_locked") {
		t.Errorf("locked card: the issuer decided %v, want deny with credential_locked", d)
	}
}

// TestNotMe: after a purchase the cardholder, signed in to the portal,
// says of it "This was not me"; the history then shows it reported, the
// operator gets a notice by mail (the issuer's outbox), and the next
// purchase from the device of that purchase is denied: the device is on
// the deny list (denylisted_device, evidence) and the card has a fraud
// report (fraud_reported), which the suite's risk configuration weighs as
// the default does.
func TestNotMe(t *testing.T) {
	card := portalCard(t, "email", enrolOpts{})
	shop := newBrowser(t)
	id := payWithCode(t, shop, sys, card)
	notices := len(inbox(t, operatorEmail))

	p := openPortal(t, card)
	p.open("/portal/history", "#history")
	row := text(t, p.ctx, "#history tbody tr")
	if !strings.Contains(row, "1,250") {
		t.Fatalf("newest history row %q is not the purchase", row)
	}
	const notMe = `#history tbody tr:first-child form button`
	if n, err := chromedp.Run(p.ctx, chromedp.Nodes(chromedp.CSS(notMe), chromedp.AtLeast(0))); err != nil || len(n) != 1 {
		t.Fatalf("the newest history row %q has %d \"This was not me\" buttons (%v), want 1", row, len(n), err)
	}
	p.submit(notMe, "#history")
	if row := text(t, p.ctx, "#history tbody tr"); !strings.Contains(row, "報告済み") && !strings.Contains(strings.ToLower(row), "reported") {
		t.Errorf("after the report the row reads %q, want it marked reported", row)
	}
	notice := waitMail(t, sys, operatorEmail, notices)
	if !strings.Contains(notice.Text, id) && !strings.Contains(notice.Text, last4(card.Number)) {
		t.Errorf("the operator's notice names neither the authentication %s nor the card *%s:\n%s %s",
			id, last4(card.Number), notice.Subject, notice.Text)
	}

	// The operator sees the reported purchase's device on the deny list.
	listed := false
	for _, line := range strings.Split(operatorDB(t, sys, "risk", "denylist"), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "device" && strings.HasSuffix(line, id) {
			listed = true
		}
	}
	if !listed {
		t.Errorf("issuer risk denylist has no device entry of %s", id)
	}

	mails := len(inbox(t, card.Email))
	orderStatus, status, reason, next := shopPay(t, shop, sys, card.Number)
	if orderStatus != "not paid" || status != "R" || reason != "suspected_fraud" {
		t.Errorf("next purchase: order %q status %q reason %q, want not paid R suspected_fraud", orderStatus, status, reason)
	}
	d := decisionOn(t, stateDir, next)
	if d.Outcome != "deny" || !d.fired("denylisted_device") || !d.fired("fraud_reported") {
		t.Errorf("next purchase: the issuer decided %v, want deny with denylisted_device and fraud_reported", d)
	}
	if v := merchantView(t, next); v.Decision != "deny" || !slices.Contains(v.RiskReasons, "device") {
		t.Errorf("next purchase: the merchant sees %+v, want deny for a device reason", v)
	}
	if n := len(inbox(t, card.Email)); n != mails {
		t.Errorf("the denied purchase mailed %d codes", n-mails)
	}

	// The cardholder's own other browser, recognised by its fingerprint,
	// which would have been frictionless before the report: the card is
	// challenged now, and the code still works.
	c := startCheckoutIn(t, newBrowser(t), card, 1)
	c.enter(c.code())
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Errorf("purchase from another browser after the report: order %q status %q, want paid Y after the code", orderStatus, status)
	}
	own := eval[string](t, c.ctx, `document.querySelector("#authentication-id").textContent.trim()`)
	if d := decisionOn(t, stateDir, own); d.Outcome != "challenge" || !d.fired("fraud_reported") {
		t.Errorf("purchase from another browser after the report: the issuer decided %v, want a challenge with fraud_reported", d)
	}
}
