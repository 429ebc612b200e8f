package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/honnin/honnin/e2e/chromium"
)

// portal is one browser signed in to the cardholder portal, counting the
// clicks it makes.
type portal struct {
	t      *testing.T
	ctx    context.Context
	card   ownCard
	clicks int
}

// portalCard enrols a card of method with a portal password, in Japanese.
func portalCard(t *testing.T, method string, o enrolOpts) ownCard {
	t.Helper()
	o.Locale, o.Portal = "ja", "e2e-portal-"+randText(10)
	return newCard(t, method, o)
}

// openPortal signs card in to the portal in a fresh browser context
// (portalSignIn: card number, portal password, the mailed code).
func openPortal(t *testing.T, card ownCard) *portal {
	t.Helper()
	// A Japanese browser, as the cards' holders have: the portal follows
	// the browser's language.
	p := &portal{t: t, ctx: newBrowser(t), card: card}
	chromium.Languages(t, p.ctx, "ja-JP", "ja")
	portalSignIn(t, p.ctx, card.Number, card.Portal, card.Email)
	return p
}

func (p *portal) open(path, waitFor string) {
	p.t.Helper()
	do(p.t, p.ctx, chromedp.Navigate(sys.PortalURL+strings.TrimPrefix(path, "/portal/")), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// click clicks sel as a person would, counts it, and waits for next to
// show (the page the click leads to).
func (p *portal) click(sel, next string) {
	p.t.Helper()
	p.clicks++
	do(p.t, p.ctx, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(next)))
}

// submit clicks sel, which submits a form, and waits for the page that
// answers it, with next visible. Unlike click it waits for the page to be
// replaced: the page clicked on may show next too (a flash), so seeing next
// alone would not say the answer has come.
func (p *portal) submit(sel, next string) {
	p.t.Helper()
	p.clicks++
	do(p.t, p.ctx, chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.e2eLeaving = "1"`),
		chromedp.Click(chromedp.CSS(sel)))
	// An evaluation during the navigation fails; that is "not yet".
	waitFor(p.t, "the page answering "+sel, 30*time.Second, func() bool {
		left, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.readyState !== "loading" && !document.documentElement.dataset.e2eLeaving`))
		return err == nil && left
	})
	do(p.t, p.ctx, chromedp.WaitVisible(chromedp.CSS(next)))
}

// changeMethod changes the signed-in card's method from the method page
// and returns how many clicks it took, taking a screenshot of each page
// when shots is set.
func (p *portal) changeMethod(method string, shots bool) int {
	p.t.Helper()
	p.open("/portal/method", "#method-form")
	if shots {
		screenshot(p.t, p.ctx, "body", "portal-method-1-choose.png")
	}
	start := p.clicks
	p.click("#m-"+method, "#next")
	p.click("#next", "#confirm")
	if shots {
		screenshot(p.t, p.ctx, "body", "portal-method-2-confirm.png")
	}
	p.click("#confirm", "#done")
	if shots {
		screenshot(p.t, p.ctx, "body", "portal-method-3-done.png")
	}
	return p.clicks - start
}

// TestPortalMethodThreeClicks changes an SMS card's method to email in
// three clicks from the method page (choose, Next, Change), checks the
// next purchase's code comes by mail to the masked address shown, and
// changes it back the same way.
func TestPortalMethodThreeClicks(t *testing.T) {
	card := portalCard(t, "sms", enrolOpts{})
	p := openPortal(t, card)
	if n := p.changeMethod("email", true); n != 3 {
		t.Errorf("the method change took %d clicks, want 3", n)
	}
	done := text(t, p.ctx, "#done")
	masked := "***@" + card.Email[strings.Index(card.Email, "@")+1:]
	if !strings.Contains(done, masked) {
		t.Errorf("done page %q does not name %s", done, masked)
	}

	c := startCheckout(t, card)
	if got := c.frameText("#dest"); !strings.Contains(got, masked) {
		t.Errorf("challenge destination %q, want %s", got, masked)
	}
	c.enter(c.code())
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("order %q status %q with the mailed code, want paid Y", orderStatus, status)
	}

	if n := p.changeMethod("sms", false); n != 3 {
		t.Errorf("changing back took %d clicks, want 3", n)
	}
}

var secretText = regexp.MustCompile(`^[A-Z2-7 ]+$`)

// TestPortalAppRegistration registers a new app for an app card in the
// portal as seed 000 has it: the page shows the registration ID, the
// password arrives by mail, typed into the portal it shows the QR code
// and key for any authenticator; a code computed from that key by
// oathtool passes a checkout's challenge. (It replaces the card's first
// app.)
func TestPortalAppRegistration(t *testing.T) {
	card := portalCard(t, "app", enrolOpts{})
	p := openPortal(t, card)
	seen := len(inbox(t, card.Email))
	p.open("/portal/app", "#issue")
	p.click("#issue", "#reg-id")
	if id := text(t, p.ctx, "#reg-id"); !regexp.MustCompile(`^\d{5} \d{5}$`).MatchString(id) {
		t.Errorf("registration ID %q", id)
	}
	var ms []mail
	waitFor(t, "the registration password mail", 15*time.Second, func() bool {
		ms = inbox(t, card.Email)
		return len(ms) > seen
	})
	pw := regexp.MustCompile(`(?:password|パスワード)[:：] ?([2-9A-Z]{10})\s`).FindStringSubmatch(ms[0].Text)
	if pw == nil {
		t.Fatalf("no password in %q", ms[0].Text)
	}
	do(t, p.ctx, chromedp.SendKeys(chromedp.CSS("#password"), pw[1]))
	p.click("#show-qr", "#qr")
	screenshot(t, p.ctx, "body", "portal-app.png")
	if w := eval[float64](t, p.ctx, `document.querySelector("#qr").naturalWidth`); w < 100 {
		t.Errorf("the QR image is %v px wide: not decoded", w)
	}
	key := text(t, p.ctx, "#secret")
	if !secretText.MatchString(key) {
		t.Fatalf("key %q is not base32", key)
	}
	secret := strings.ReplaceAll(key, " ", "")

	c := startCheckout(t, card)
	c.enter(oathtool(t, secret, stepStart(15*time.Second)))
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("order %q status %q with the code of the app registered in the portal, want paid Y", orderStatus, status)
	}
}

// TestPortalTokenLock locks the first of a card's two tokens in the
// portal: the challenge then names only the second, refuses the first's
// code and passes the second's.
func TestPortalTokenLock(t *testing.T) {
	card := portalCard(t, "token", enrolOpts{Tokens: 2})
	p := openPortal(t, card)
	p.open("/portal/tokens", "#tokens")
	row := `tr[data-ending="…` + last4(card.Serials[0]) + `"]`
	p.submit(row+" button.lock", "#flash")
	if state := text(t, p.ctx, row+" td.state"); !strings.Contains(state, "locked") && !strings.Contains(state, "ロック中") {
		t.Errorf("token row state %q after the lock", state)
	}
	screenshot(t, p.ctx, "body", "portal-tokens.png")

	payWithUnlockedToken(t, card)
}

var textedCode = regexp.MustCompile(`確認コード (\d{6})|code (\d{6})`)

// changePhone changes the signed-in card's phone to typed (the E.164 form
// is e164) in the portal: the new number, the code texted to it, done.
func (p *portal) changePhone(typed, e164 string, shot bool) {
	p.t.Helper()
	seen := len(texts(p.t, e164))
	p.open("/portal/contact/sms", "#value")
	do(p.t, p.ctx, chromedp.SendKeys(chromedp.CSS("#value"), typed))
	p.click("#send", "#code")
	if shot {
		screenshot(p.t, p.ctx, "body", "portal-contact.png")
	}
	var code []string
	waitFor(p.t, "the confirmation SMS", 15*time.Second, func() bool {
		ms := texts(p.t, e164)
		if len(ms) > seen {
			code = textedCode.FindStringSubmatch(ms[0].Body)
		}
		return code != nil
	})
	do(p.t, p.ctx, chromedp.SendKeys(chromedp.CSS("#code"), code[1]+code[2]))
	p.submit("#verify", "#flash")
}

// TestPortalPhoneChange changes an SMS card's phone in the portal (a code
// texted to the new number confirms it); the next purchase's code goes to
// the new number with nothing else done, and the old number gets nothing.
func TestPortalPhoneChange(t *testing.T) {
	card := portalCard(t, "sms", enrolOpts{})
	oldPhone, newPhone := card.Phone, freshPhone(t)
	// As a person types it: national, with hyphens (+8190xxxxxxxx).
	typed := "090-" + newPhone[5:9] + "-" + newPhone[9:]
	masked := "***-****-" + last4(newPhone)
	p := openPortal(t, card)
	seenMail := len(inbox(t, card.Email))
	p.changePhone(typed, newPhone, true)
	if flash := text(t, p.ctx, "#flash"); !strings.Contains(flash, "携帯電話番号を変更しました") {
		t.Errorf("flash %q", flash)
	}
	waitFor(t, "the phone-changed notice mail", 15*time.Second, func() bool {
		ms := inbox(t, card.Email)
		return len(ms) > seenMail && strings.Contains(ms[0].Subject, "携帯電話番号変更") && strings.Contains(ms[0].Text, masked)
	})

	seenOld, seenNew := len(texts(t, oldPhone)), len(texts(t, newPhone))
	c := startCheckout(t, card)
	if got := c.frameText("#dest"); !strings.Contains(got, masked) {
		t.Errorf("challenge destination %q, want the new phone", got)
	}
	var msgs []sms
	waitFor(t, "the code SMS to the new phone", 15*time.Second, func() bool {
		msgs = texts(t, newPhone)
		return len(msgs) > seenNew
	})
	c.enter(codeRE.FindString(msgs[0].Body))
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("order %q status %q with the code sent to the new phone, want paid Y", orderStatus, status)
	}
	// The code went out inside the issuer's start, which has answered
	// (the sink keeps a text before it accepts it): a text to the old
	// phone would be there now.
	if n := len(texts(t, oldPhone)); n != seenOld {
		t.Errorf("the old phone got %d texts", n-seenOld)
	}
}
