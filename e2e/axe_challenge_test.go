package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/e2e/chromium"
)

// axeWindow is a size the challenge is checked at: the EMV challenge
// window sizes (01–05, 05 the whole browser window) and a phone.
type axeWindow struct {
	name string
	w, h int // 0: the whole window; -1: the size the shop's mount gave it
}

var axeWindows = []axeWindow{
	{"01-250x400", 250, 400}, {"02-390x400", 390, 400}, {"03-500x600", 500, 600},
	{"04-600x400", 600, 400}, {"05-full", 0, 0},
	{"phone-375x667", -1, -1}, // the shop on a 375×667 phone, its frame as mount made it
}

// sizeFrame gives the shop's challenge iframe the size (w, h) as
// axeWindow says, and returns its width in CSS pixels.
const sizeFrame = `function(w, h) {
	const f = document.querySelector("#honnin iframe");
	if (f.dataset.mountCss === undefined) f.dataset.mountCss = f.style.cssText;
	let css = f.dataset.mountCss;
	// At the window's top left, above the shop: a screenshot takes only
	// what is inside the viewport.
	const at = ";position:fixed;left:0;top:0;max-width:none;z-index:2147483647";
	if (w > 0) css += at + ";width:" + w + "px;height:" + h + "px";
	if (w === 0) css += at + ";width:100vw;height:100vh";
	f.style.cssText = css;
	return f.clientWidth;
}`

// keepEnd makes ctx's tab a shop page that never hears the challenge's
// result (it would leave for its order page, and the frame with it), so
// that the frame's end state stays to be checked. The listener is the
// page's first, added before its scripts run: a message to window goes to
// its listeners in the order they were added, capturing or not.
func keepEnd(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `if (window.top === window) addEventListener("message", e => {
			if (e.data && e.data.type === "honnin:result") e.stopImmediatePropagation();
		});`,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// startKept is startCheckout in a tab that keeps the challenge's end
// (keepEnd), in a browser set to langs.
func startKept(t *testing.T, card ownCard, langs ...string) *checkout {
	t.Helper()
	ctx := newBrowser(t)
	if len(langs) > 0 {
		chromium.Languages(t, ctx, langs...)
	}
	keepEnd(t, ctx)
	return startCheckoutIn(t, ctx, card, 1)
}

// axe checks the challenge's state as it is now at each axeWindow, with a
// screenshot of each (axe-challenge-<state>-<size>-<edge>.png), and
// returns the violations found.
func (c *checkout) axe(state string) int {
	c.t.Helper()
	n, start := 0, time.Now()
	defer func() {
		c.t.Logf("axe on the challenge, %s: %d violations at %d sizes in %s", state, n, len(axeWindows), time.Since(start).Round(time.Millisecond))
	}()
	for _, win := range axeWindows {
		if win.w < 0 {
			do(c.t, c.ctx, chromedp.EmulateViewport(375, 667, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch))
		}
		w, err := frameCall[int](c.ctx, sizeFrame, nil, win.w, win.h)
		if err != nil {
			c.t.Fatalf("size the challenge frame %s: %v", win.name, err)
		}
		// Check once the frame has its new width: before, it is still
		// laid out at the old one.
		waitFor(c.t, fmt.Sprintf("the challenge laid out %d px wide (%s)", w, win.name), 10*time.Second, func() bool {
			got, err := frameCall[int](c.ctx, `function() { return innerWidth }`, []chromedp.QueryOption{c.in})
			return err == nil && got == w
		})
		page := fmt.Sprintf("the challenge, %s, %s", state, win.name)
		n += checkAxe(c.t, c.ctx, page, c.in)
		screenshot(c.t, c.ctx, "#honnin iframe", fmt.Sprintf("axe-challenge-%s-%s-%s.png", state, win.name, edgeRuntime()))
		if win.w < 0 {
			unphone(c.t, c.ctx)
		}
	}
	return n
}

// waitEnd waits until the challenge has ended: the code form is gone and
// #status says how.
func (c *checkout) waitEnd() {
	c.t.Helper()
	waitFor(c.t, "the end of the challenge", 15*time.Second, func() bool {
		s, err := frameCall[string](c.ctx, `function() {
			return document.getElementById("form").hidden ? document.getElementById("status").textContent : "" }`, []chromedp.QueryOption{c.in})
		return err == nil && s != ""
	})
}

// TestAxeChallenge runs axe-core (axeTags) on the challenge in each state
// a cardholder reaches from the shop — the code entry, a wrong code, after
// a resend, too many wrong codes, expired — at each EMV window size and
// on a phone; TestAxePortal has the approved and the denied ends. No
// rule may fail. The Japanese card is in a range with its own brand
// (brandRange): its colours are checked too, and its end names the
// range's phone and portal as links (checkBrandedEnd).
func TestAxeChallenge(t *testing.T) {
	t.Run("ja", func(t *testing.T) {
		card := newCard(t, "email", enrolOpts{Locale: "ja", Message: "本人確認のテストです：青い猫"})
		brandRange(t, card)
		c := startKept(t, card, "ja-JP", "ja")
		c.waitFrameText("#merchant", "Demo Shop")
		c.waitFrameText("#brand-name", goldBrand.Name)
		c.axe("code")

		first := c.code()
		wrong := fmt.Sprintf("%06d", (atoi(first)+1)%1000000)
		c.enter(wrong)
		c.waitFrameText("#attempts", "4")
		c.axe("wrong")

		// The issuer refuses a resend for 30 s after a send; the button
		// is enabled once it would be taken.
		waitFor(t, "resend to be available", 60*time.Second, func() bool {
			d, err := chromedp.Run(c.ctx, chromedp.JavascriptAttribute[bool](chromedp.CSS("#resend"), "disabled", c.in))
			return err == nil && !d
		})
		do(t, c.ctx, chromedp.Click(chromedp.CSS("#resend"), c.in))
		fresh := c.code()
		waitFor(t, "the new code's notice", 15*time.Second, func() bool {
			s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS("#notice"), c.in))
			return err == nil && strings.TrimSpace(s) != ""
		})
		c.axe("resend")

		for n := atoi(first) + 2; ; n++ {
			if wrong = fmt.Sprintf("%06d", n%1000000); wrong != fresh {
				break
			}
		}
		for left := 3; left >= 1; left-- {
			c.enter(wrong)
			c.waitFrameText("#attempts", fmt.Sprint(left))
		}
		c.enter(wrong)
		c.waitEnd()
		c.checkBrandedEnd()
		c.axe("too-many-tries")
	})

	// Expired: the frame's clock moves past the challenge's 10 minutes,
	// and the client ends it by its own clock, as it does when a
	// cardholder leaves the screen open.
	t.Run("en", func(t *testing.T) {
		c := startKept(t, newCard(t, "email", enrolOpts{Locale: "en"}))
		c.waitFrameText("#merchant", "Demo Shop")
		if _, err := frameCall[any](c.ctx, `function() {
			const D = Date, skew = 11 * 60 * 1000;
			window.Date = class extends D {
				constructor(...a) { if (a.length) super(...a); else super(D.now() + skew); }
				static now() { return D.now() + skew; }
			};
		}`, []chromedp.QueryOption{c.in}); err != nil {
			t.Fatalf("move the frame's clock: %v", err)
		}
		c.waitEnd()
		c.waitFrameText("#status", "expired")
		c.axe("expired")
	})
}

// unphone ends the phone's emulation (EmulateViewport's with EmulateMobile):
// the tab is its window's size again, without touch.
func unphone(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{}); err != nil {
		t.Fatal(err)
	}
}
