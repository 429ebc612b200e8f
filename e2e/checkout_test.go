package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/e2e/stack"
	"github.com/honnin/honnin/edge/merchant"
)

// checkout is one cardholder's purchase on the demo shop, up to the
// challenge screen inside the iframe.
type checkout struct {
	t    *testing.T
	ctx  context.Context
	s    *stack.Stack // the stack whose shop it is
	card ownCard
	qty  int                  // matcha sets bought (¥1,250 each)
	in   chromedp.QueryOption // runs a query inside the challenge iframe
	rec  *recorder
	seen int // code mails to the card's address before this checkout
}

func startCheckout(t *testing.T, card ownCard) *checkout {
	t.Helper()
	return startCheckoutIn(t, newBrowser(t), card, 1)
}

// startCheckoutIn is startCheckout in a given browser, whose profile (and
// so the client's device id) may have paid before, for qty matcha sets.
func startCheckoutIn(t *testing.T, ctx context.Context, card ownCard, qty int) *checkout {
	t.Helper()
	return startCheckoutOn(t, ctx, sys, card, qty)
}

// startCheckoutOn is startCheckoutIn on the shop of s (the attack tests'
// stack, with the default risk rules).
func startCheckoutOn(t *testing.T, ctx context.Context, s *stack.Stack, card ownCard, qty int) *checkout {
	t.Helper()
	c := &checkout{t: t, ctx: ctx, s: s, card: card, qty: qty, seen: len(mailsOn(t, s, card.Email))}
	c.rec = record(t, ctx)
	do(t, ctx,
		chromedp.Navigate(s.ShopURL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#card")),
		chromedp.SendKeys(chromedp.CSS("#card"), c.card.Number),
		chromedp.SetValue(chromedp.CSS("#qty"), fmt.Sprint(c.qty)),
		chromedp.Click(chromedp.CSS("#pay")),
		chromedp.WaitVisible(chromedp.CSS("#honnin iframe")),
	)
	// The iframe's node must be taken once its document is the challenge
	// page: taken while it is still about:blank, every query inside it
	// waits forever. (A slower edge, such as a cold workerd, loses that
	// race more often.)
	var frame *chromedp.Node
	waitFor(t, "the challenge page in the iframe", 30*time.Second, func() bool {
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#honnin iframe")))
		if err != nil || len(nodes) == 0 || nodes[0].ContentDocument == nil ||
			!strings.Contains(nodes[0].ContentDocument.DocumentURL, "/challenge") {
			return false
		}
		frame = nodes[0]
		return true
	})
	c.in = chromedp.FromNode(frame)
	// The client's field: the page's own #code shows before the client runs.
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#form #code"), c.in))
	return c
}

// frameText is the text of an element inside the challenge iframe.
func (c *checkout) frameText(sel string) string {
	c.t.Helper()
	return text(c.t, c.ctx, sel, c.in)
}

// waitFrameText waits until the element's text contains want.
func (c *checkout) waitFrameText(sel, want string) {
	c.t.Helper()
	waitFor(c.t, fmt.Sprintf("%s to show %q", sel, want), 15*time.Second, func() bool {
		s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel), c.in))
		return err == nil && strings.Contains(s, want)
	})
}

// cancel presses Cancel twice, as a cardholder confirms it: the first press
// asks, the second cancels.
func cancelTwice(t *testing.T, ctx context.Context, in chromedp.QueryOption) {
	t.Helper()
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#cancel"), in),
		chromedp.WaitVisible(chromedp.CSS("#notice:not(:empty)"), in),
		chromedp.Click(chromedp.CSS("#cancel"), in))
}

func (c *checkout) enter(code string) {
	c.t.Helper()
	do(c.t, c.ctx,
		chromedp.Clear(chromedp.CSS("#code"), c.in),
		chromedp.SendKeys(chromedp.CSS("#code"), code, c.in),
		chromedp.Click(chromedp.CSS("#send"), c.in),
	)
}

func (c *checkout) code() string {
	c.t.Helper()
	m := waitMail(c.t, c.s, c.card.Email, c.seen)
	code := codeRE.FindStringSubmatch(m.Text)
	if code == nil {
		c.t.Fatalf("no 6-digit code in mail %q: %s", m.Subject, m.Text)
	}
	c.seen++
	return code[1]
}

// outcome waits for the shop's order page and returns its status text.
func (c *checkout) outcome() (orderStatus, status, reason string) {
	c.t.Helper()
	do(c.t, c.ctx, chromedp.WaitVisible(chromedp.CSS("#order-status")))
	return text(c.t, c.ctx, "#order-status"), text(c.t, c.ctx, "#status"), text(c.t, c.ctx, "#reason")
}

// result returns the single result message the shop page received.
func (c *checkout) result() message {
	c.t.Helper()
	var ms []message
	waitFor(c.t, "the result message", 10*time.Second, func() bool {
		ms = c.rec.all()
		return len(ms) > 0
	})
	if len(ms) != 1 {
		c.t.Fatalf("shop page got %d messages, want 1: %+v", len(ms), ms)
	}
	if ms[0].Origin != c.s.EdgeURL {
		c.t.Fatalf("message from %q, want the edge %q", ms[0].Origin, c.s.EdgeURL)
	}
	return ms[0]
}

func TestCheckoutWithEmailCode(t *testing.T) {
	card := newCard(t, "email", enrolOpts{Locale: "ja", Message: "本人確認のテストです"})
	c := startCheckout(t, card)

	for sel, want := range map[string]string{
		"#merchant": "Demo Shop",
		"#amount":   "1,250",
		"#last4":    card.Number[len(card.Number)-4:],
		"#dest":     "***@mail.jp",
		"#message":  "本人",
		"#date":     "JST",
	} {
		c.waitFrameText(sel, want)
	}
	if note := c.frameText("#date-note"); note == "" {
		t.Error("the screen lacks the note that the date may differ from the actual day")
	}
	if ac := attr(t, c, "#code", "autocomplete"); ac != "one-time-code" {
		t.Errorf("code input autocomplete = %q, want one-time-code", ac)
	}
	if im := attr(t, c, "#code", "inputmode"); im != "numeric" {
		t.Errorf("code input inputmode = %q, want numeric", im)
	}

	// The EMV challenge window sizes the integrators complain about most.
	for _, w := range []int{390, 250} {
		do(t, c.ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
			`(() => { const f = document.querySelector("#honnin iframe"); f.style.width = "%dpx"; f.style.height = "400px"; })()`, w)))
		// Measure once the challenge has the new width: before, it is
		// still laid out at the old one, where nothing overflows.
		var cw int
		waitFor(t, fmt.Sprintf("the challenge to lay out %d px wide", w), 10*time.Second, func() bool {
			var err error
			cw, err = chromedp.Run(c.ctx, chromedp.JavascriptAttribute[int](chromedp.CSS("html"), "clientWidth", c.in))
			return err == nil && cw == w
		})
		screenshot(t, c.ctx, "#honnin iframe", fmt.Sprintf("challenge-%dx400.png", w))
		sw, err := chromedp.Run(c.ctx, chromedp.JavascriptAttribute[int](chromedp.CSS("html"), "scrollWidth", c.in))
		if err != nil {
			t.Fatal(err)
		}
		if sw > cw {
			t.Errorf("at %dx400 the challenge scrolls sideways: content %d px wide in %d px", w, sw, cw)
		}
	}

	code, m := nextCode(t, card.Email, c.seen)
	// Seed 001: the mail carries the code, merchant, amount and time in JST.
	for _, want := range []string{code, "Demo Shop", "1,250", "10", "日本時間"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("code mail lacks %q:\n%s", want, m.Text)
		}
	}
	c.enter(code)
	orderStatus, status, _ := c.outcome()
	if orderStatus != "paid" || status != "Y" {
		t.Fatalf("order %q status %q, want paid Y", orderStatus, status)
	}

	// The merchant's own check: the token the page received verifies
	// against the issuer's JWKS for this origin.
	msg := c.result()
	v, err := merchant.NewVerifier(sys.IssuerURL+"/.well-known/jwks.json", sys.ShopURL)
	if err != nil {
		t.Fatal(err)
	}
	id := eval[string](t, c.ctx, `document.querySelector("#authentication-id").textContent.trim()`)
	res, err := v.Verify(context.Background(), msg.Data.ResultToken, id)
	if err != nil {
		t.Fatalf("result token does not verify against the JWKS: %v", err)
	}
	if res.Status != "Y" || res.ECI != "05" || res.AV == "" {
		t.Fatalf("result = %+v, want Y, ECI 05 and an authentication value", res)
	}

	// The edge reports the outcome to the issuer in the background.
	waitFor(t, "the issuer to record Y", 15*time.Second, func() bool {
		return issuerStatus(t, res.AuthenticationID) == "Y"
	})
}

func attr(t *testing.T, c *checkout, sel, name string) string {
	t.Helper()
	r, err := chromedp.Run(c.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name, c.in))
	if err != nil {
		t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return r.Value
}

func TestFiveWrongCodesFail(t *testing.T) {
	c := startCheckout(t, newCard(t, "email", enrolOpts{}))
	code := c.code()
	wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1000000)
	for left := 4; left >= 1; left-- {
		c.enter(wrong)
		c.waitFrameText("#attempts", fmt.Sprint(left))
	}
	c.enter(wrong)
	orderStatus, status, reason := c.outcome()
	if orderStatus != "not paid" || status != "N" || reason != "max_attempts" {
		t.Fatalf("order %q status %q reason %q, want not paid N max_attempts", orderStatus, status, reason)
	}
	if m := c.result(); m.Data.Status != "N" {
		t.Fatalf("result message status %q, want N", m.Data.Status)
	}
}

func TestResendReplacesTheCode(t *testing.T) {
	c := startCheckout(t, newCard(t, "email", enrolOpts{}))
	old := c.code()
	// Resend is refused for 30 s after a send; the screen says so and the
	// button comes back.
	// Resend is offered only once the issuer's 30 s cooldown is over, so
	// one click must send a new code.
	waitFor(t, "resend to be available", 60*time.Second, func() bool {
		d, err := chromedp.Run(c.ctx, chromedp.JavascriptAttribute[bool](chromedp.CSS("#resend"), "disabled", c.in))
		return err == nil && !d
	})
	do(t, c.ctx, chromedp.Click(chromedp.CSS("#resend"), c.in))
	fresh := c.code()
	// The mail can arrive before the edge's answer reaches the page (the
	// edge in workerd is slower to answer), and the client takes no code
	// while the resend is under way: wait for the answer.
	waitFor(t, "the resend's answer on the screen", 15*time.Second, func() bool {
		ro, err := chromedp.Run(c.ctx, chromedp.JavascriptAttribute[bool](chromedp.CSS("#code"), "readOnly", c.in))
		return err == nil && !ro
	})
	if fresh == old {
		t.Skip("the new code equals the old one by chance (1 in a million)")
	}
	c.enter(old)
	c.waitFrameText("#attempts", "4")
	c.enter(fresh)
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("order %q status %q after the new code, want paid Y", orderStatus, status)
	}
}

func TestCancel(t *testing.T) {
	c := startCheckout(t, newCard(t, "email", enrolOpts{}))
	// The first press only asks; nothing ends.
	do(t, c.ctx, chromedp.Click(chromedp.CSS("#cancel"), c.in))
	c.waitFrameText("#cancel", "Cancel the payment?")
	if n := len(c.rec.all()); n != 0 {
		t.Fatalf("one press of Cancel ended the challenge: %d result messages", n)
	}
	do(t, c.ctx, chromedp.Click(chromedp.CSS("#cancel"), c.in))
	orderStatus, status, reason := c.outcome()
	if orderStatus != "not paid" || status != "N" || reason != "cardholder_cancelled" {
		t.Fatalf("order %q status %q reason %q, want not paid N cardholder_cancelled", orderStatus, status, reason)
	}
}

func issuerStatus(t *testing.T, id string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", sys.IssuerURL+"/v1/authentications/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+sys.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct{ Status string }
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a.Status
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
