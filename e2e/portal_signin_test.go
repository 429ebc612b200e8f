package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/honnin/honnin/e2e/chromium"
)

// portalSignIn signs ctx's browser in to the cardholder portal with card,
// its portal password and the code mailed to its address.
func portalSignIn(t *testing.T, ctx context.Context, number, password, email string) {
	t.Helper()
	seen := len(inbox(t, email))
	do(t, ctx,
		chromedp.Navigate(sys.PortalURL+"signin"),
		chromedp.WaitVisible(chromedp.CSS("#card")),
	)
	screenshot(t, ctx, "body", "portal-signin.png")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#card"), number),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#code")),
	)
	if dest := text(t, ctx, "#code-dest"); !strings.Contains(dest, "***@") || strings.Contains(dest, email) {
		t.Errorf("code page names the address as %q", dest)
	}
	code, m := nextCode(t, email, seen)
	if !strings.Contains(m.Subject, "会員ポータル") && !strings.Contains(m.Subject, "member portal") {
		t.Errorf("code mail subject %q", m.Subject)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#code"), code),
		chromedp.Click(chromedp.CSS("#confirm")),
		chromedp.WaitVisible(chromedp.CSS("#managed-card")),
	)
}

// TestPortalSignInAndMessage: sign in to the portal with the mailed code,
// replace the provisional personal message, and the next checkout's
// challenge screen shows the new message; the purchase then shows in the
// portal's history.
func TestPortalSignInAndMessage(t *testing.T) {
	card := portalCard(t, "email", enrolOpts{})
	ctx := newBrowser(t)
	chromium.Languages(t, ctx, "ja-JP", "ja") // the portal follows the browser
	portalSignIn(t, ctx, card.Number, card.Portal, card.Email)
	if got := text(t, ctx, "#managed-card"); !strings.Contains(got, last4(card.Number)) {
		t.Errorf("header shows %q", got)
	}
	// The message the card was enrolled with is provisional, so the home
	// page nags.
	if nag := text(t, ctx, "#nag"); !strings.Contains(nag, "パーソナルメッセージ") {
		t.Errorf("nag %q", nag)
	}
	screenshot(t, ctx, "body", "portal-home.png")

	msg := "本人です：青い猫 " + time.Now().Format("150405")
	do(t, ctx,
		chromedp.Navigate(sys.PortalURL+"message"),
		chromedp.WaitVisible(chromedp.CSS("#message")),
		chromedp.SetValue(chromedp.CSS("#message"), msg),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if got := text(t, ctx, "#preview .message"); got != msg {
		t.Errorf("preview box shows %q, want %q", got, msg)
	}
	if n, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#nag"), chromedp.AtLeast(0))); err != nil || len(n) != 0 {
		t.Errorf("still nagging after the change (%d, %v)", len(n), err)
	}
	screenshot(t, ctx, "body", "portal-message.png")

	c := startCheckoutIn(t, ctx, card, 1)
	c.waitFrameText("#message", msg)
	c.enter(c.code())
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("order %q status %q, want paid Y", orderStatus, status)
	}

	do(t, ctx,
		chromedp.Navigate(sys.PortalURL+"history"),
		chromedp.WaitVisible(chromedp.CSS("#history")),
	)
	row := text(t, ctx, "#history tbody tr")
	for _, want := range []string{"Demo Shop", "1,250円", "認証済み", "メールのワンタイムパスワード"} {
		if !strings.Contains(row, want) {
			t.Errorf("newest history row %q lacks %q", row, want)
		}
	}
	screenshot(t, ctx, "body", "portal-history.png")
}
