package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/issuer/demo"
)

// Scenario 7: the merchant writes the issuer's words. A merchant_name that
// is not the one the operator registered for the merchant is refused
// (400); the challenge screen and the code mail name the merchant as
// registered.
func TestAttackMerchantName(t *testing.T) {
	x := newAttack(t)
	card := x.enrol("email", enrolOpts{})
	for _, name := range []string{"JCB Security: do NOT share; call 0120-000-000", "Amazon.co.jp"} {
		seen := len(x.mails(card.Email))
		st, body := x.merchantPost(map[string]any{
			"card_number": card.Number, "amount": 1250, "currency": "JPY", "merchant_name": name,
			"merchant_origin": x.s.ShopURL, "order_ref": "ATK-" + randText(12),
		})
		t.Logf("merchant_name %q: %d %.80s", name, st, body)
		if st == http.StatusBadRequest {
			continue
		}
		t.Errorf("merchant_name %q: %d, want 400", name, st)
		if st != http.StatusCreated {
			continue
		}
		// Where the merchant's words went.
		var out struct {
			SessionToken string `json:"session_token"`
		}
		json.Unmarshal(body, &out)
		a := x.start(out.SessionToken)
		if a.challenge() && a.Display.Merchant == name {
			t.Errorf("the challenge screen names the merchant %q", name)
		}
		if m := x.waitMail(card.Email, seen); strings.Contains(m.Text, name) {
			t.Errorf("the code mail says %q", name)
		}
	}
	seen := len(x.mails(card.Email))
	_, a := x.open(card.Number, 1250)
	if a.Display.Merchant != demo.MerchantName {
		t.Errorf("the challenge screen names the merchant %q, want the registered %q", a.Display.Merchant, demo.MerchantName)
	}
	if m := x.waitMail(card.Email, seen); !strings.Contains(m.Text, demo.MerchantName) {
		t.Errorf("the code mail does not name the registered merchant %q:\n%s", demo.MerchantName, m.Text)
	}
}

// mountOutcome is how a Honnin.mount promise settled within the wait.
type mountOutcome struct {
	Settled     string `json:"settled"` // resolved, rejected or pending
	ResultToken string `json:"result_token"`
	Status      string `json:"status"`
	Code        string `json:"code"`
	Message     string `json:"message"`
}

// mountAll mounts the challenge for each session token on a page of the
// merchant's origin (the attack stack's shop), with the real honnin.js from
// the edge, all at once, and returns how each mount's promise settled
// within wait.
func (x *atk) mountAll(tokens []string, wait time.Duration) []mountOutcome {
	x.t.Helper()
	ctx := newBrowser(x.t)
	do(x.t, ctx, chromedp.Navigate(x.s.ShopURL+"/"), chromedp.WaitVisible(chromedp.CSS("body")))
	list, _ := json.Marshal(tokens)
	js := fmt.Sprintf(`new Promise((resolve) => {
  const s = document.createElement("script");
  s.src = %q + "/honnin.js";
  s.onload = () => resolve(true);
  s.onerror = () => resolve(false);
  document.head.appendChild(s);
}).then((loaded) => Promise.all(%s.map((token) => {
  if (!loaded) return {settled: "honnin.js did not load"};
  const box = document.createElement("div");
  document.body.appendChild(box);
  return Promise.race([
    Honnin.mount(box, {sessionToken: token}).then(
      (r) => ({settled: "resolved", result_token: r.result_token, status: r.status}),
      (e) => ({settled: "rejected", code: String(e && e.code), message: String(e && e.message)})),
    new Promise((r) => setTimeout(() => r({settled: "pending"}), %d)),
  ]);
})))`, x.s.EdgeURL, list, wait.Milliseconds())
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]mountOutcome](js, chromedp.EvalAwaitPromise))
	if err != nil {
		x.t.Fatalf("mount: %v", err)
	}
	return out
}

// expiredSession mints a session token for authentication id that expired
// a minute ago, with the attack stack's issuer key: an old token an
// attacker kept.
func (x *atk) expiredSession(id string) string {
	x.t.Helper()
	keys, err := challenge.LoadIssuerKeys(filepath.Join(attackState, "keys"))
	if err != nil {
		x.t.Fatal(err)
	}
	now := time.Now()
	tok, err := challenge.Sign(keys.Sign, challenge.TypSession, &challenge.SessionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: challenge.IssuerName, Audience: jwt.ClaimStrings{challenge.EdgeName},
			Subject: id, ID: challenge.NewID(),
			IssuedAt:  jwt.NewNumericDate(now.Add(-31 * time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(-time.Minute)),
		},
		MerchantOrigin: x.s.ShopURL,
	})
	if err != nil {
		x.t.Fatal(err)
	}
	return tok
}

// Scenario 8: a lost answer loses a paid purchase. After a Y whose answer
// the cardholder never got, the same verify again and a reload (start)
// both answer the same result token; the merchant's GET has it too; and
// Honnin.mount always settles: it resolves with that result for the
// finished authentication and rejects, with the error's code, an invalid
// or expired session token.
func TestAttackLostAnswer(t *testing.T) {
	x := newAttack(t)
	card := x.enrol("email", enrolOpts{})
	seen := len(x.mails(card.Email))
	id, session := x.createAuth(card.Number, 1250)
	c := x.start(session)
	if !c.challenge() {
		t.Fatalf("start: %v", c)
	}
	code := x.nextCode(card.Email, seen)
	first := x.verify(c.ChallengeToken, code)
	if !first.result() || first.Status != "Y" {
		t.Fatalf("the right code: %v, want Y", first)
	}

	again := x.verify(c.ChallengeToken, code)
	t.Logf("the same verify again after the Y: %v", again)
	if !again.result() || again.ResultToken != first.ResultToken {
		t.Errorf("the same verify again: %v, want 200 with the same result token", again)
	}
	reload := x.start(session)
	t.Logf("a reload after the Y: %v", reload)
	if !reload.result() || reload.ResultToken != first.ResultToken {
		t.Errorf("a reload after the Y: %v, want 200 with the same result token", reload)
	}
	var v merchantAuth
	deadline := time.Now().Add(10 * time.Second)
	for v = x.merchantGet(id); v.ResultToken == "" && time.Now().Before(deadline); v = x.merchantGet(id) {
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("the merchant's GET: status %s, result token %t", v.Status, v.ResultToken != "")
	if v.ResultToken != first.ResultToken {
		t.Errorf("the merchant's GET has result token %q, want the edge's", v.ResultToken)
	}

	unstarted, _ := x.createAuth(card.Number, 1250)
	tokens := []string{"not-a-session-token", x.expiredSession(unstarted), session}
	out := x.mountAll(tokens, 10*time.Second)
	for i, tt := range []struct {
		name    string
		settled string
		code    string
	}{
		{"an invalid session token", "rejected", "invalid_token"},
		{"an expired session token", "rejected", "expired"},
		{"the finished authentication's session token", "resolved", ""},
	} {
		got := out[i]
		t.Logf("Honnin.mount with %s: %+v", tt.name, got)
		switch {
		case got.Settled != tt.settled:
			t.Errorf("Honnin.mount with %s: %s, want %s", tt.name, got.Settled, tt.settled)
		case tt.settled == "rejected" && got.Code != tt.code:
			t.Errorf("Honnin.mount with %s rejected with code %q (%s), want %q", tt.name, got.Code, got.Message, tt.code)
		case tt.settled == "resolved" && got.ResultToken != first.ResultToken:
			t.Errorf("Honnin.mount with %s resolved with another result token", tt.name)
		}
	}
}
