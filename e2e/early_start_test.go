package e2e

import (
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestCodeSentBeforeTheClient: the challenge page's loader.js starts the
// challenge while the wasm client downloads (seconds on a slow phone), so
// the code is mailed and the page's own code field can be typed into
// before the client runs; the client then takes the field over with what
// was typed, and the purchase completes with that one code (no second
// start, no second mail). The wasm is held in the browser (the Fetch
// domain pauses it) until the test has typed.
func TestCodeSentBeforeTheClient(t *testing.T) {
	card := newCard(t, "email", enrolOpts{Locale: "en"})
	seen := len(inbox(t, card.Email))
	id, session := createAuthentication(t, card.Number)
	ctx := newBrowser(t)

	// Paused wasm requests wait in held until released; after that the
	// listener lets any further one through at once.
	var mu sync.Mutex
	var held []fetch.RequestID
	released := false
	cont := func(rid fetch.RequestID) {
		go chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: rid}) //nolint:errcheck // a failure shows below
	}
	err := chromedp.Listen(ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if released {
			cont(e.RequestID)
			return
		}
		held = append(held, e.RequestID)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/assets/challenge.*.wasm", RequestStage: fetch.RequestStageRequest},
	}}); err != nil {
		t.Fatal(err)
	}
	// page.Navigate, not chromedp.Navigate: the load event waits for the
	// preloaded wasm, which is held.
	if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: sys.EdgeURL + "/challenge?st=" + url.QueryEscape(session)}); err != nil {
		t.Fatal(err)
	}

	code, _ := nextCode(t, card.Email, seen)
	waitFor(t, "the page's #code enabled", 15*time.Second, func() bool {
		return eval[bool](t, ctx, `(() => { const c = document.getElementById("code"); return !!c && !c.disabled; })()`)
	})
	// Typed as a cardholder may copy it, with a space.
	typed := code[:3] + " " + code[3:]
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#code"), typed))
	before := eval[map[string]any](t, ctx, `(() => ({
		client: !!document.getElementById("app"),
		label: document.querySelector("label[for=code]").textContent,
		inert: document.getElementById("sk-form").hasAttribute("inert"),
		status: document.getElementById("status").textContent,
		focused: document.activeElement && document.activeElement.id }))()`)
	mu.Lock()
	n := len(held)
	mu.Unlock()
	if before["client"] != false || before["inert"] != false || before["focused"] != "code" || n == 0 ||
		before["status"] != "You can enter the one-time code now." {
		t.Fatalf("before the client ran (wasm requests held: %d): %v", n, before)
	}

	mu.Lock()
	released = true
	for _, rid := range held {
		cont(rid)
	}
	mu.Unlock()
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#app")), chromedp.WaitEnabled(chromedp.CSS("#send")))
	after := eval[map[string]any](t, ctx, `(() => ({
		value: document.getElementById("code").value,
		codes: document.querySelectorAll("#code").length,
		skeleton: !!document.getElementById("skeleton"),
		inForm: !!document.querySelector("#form #code") }))()`)
	if after["value"] != typed || after["codes"] != 1.0 || after["skeleton"] != false || after["inForm"] != true {
		t.Fatalf("the client did not take the field over with what was typed (%q): %v", typed, after)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("#send")))
	waitFor(t, "the authentication to succeed", 15*time.Second, func() bool { return issuerStatus(t, id) == "Y" })
	if got := len(inbox(t, card.Email)); got != seen+1 {
		t.Errorf("%d code mails for one purchase, want 1: the client started again", got-seen)
	}
}
