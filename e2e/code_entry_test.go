package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// TestPastedCodeForms: the code as cardholders paste it from a mail or an
// SMS, with a space, a hyphen, full-width digits or line breaks around it,
// pays: the field takes the whole paste (no maxlength cuts "203 677" to
// "203 67") and the client normalises it to the 6 digits.
func TestPastedCodeForms(t *testing.T) {
	fullWidth := func(s string) string {
		return strings.Map(func(r rune) rune { return r - '0' + '０' }, s)
	}
	for _, tt := range []struct {
		name  string
		paste func(code string) string
	}{
		{"space", func(c string) string { return c[:3] + " " + c[3:] }},
		{"hyphen", func(c string) string { return c[:3] + "-" + c[3:] }},
		{"full-width", fullWidth},
		{"line breaks around", func(c string) string { return "\n " + c + " \n" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := startCheckout(t, newCard(t, "email", enrolOpts{}))
			pasted := tt.paste(c.code())
			do(t, c.ctx,
				chromedp.Focus(chromedp.CSS("#code"), c.in),
				insertText(pasted),
			)
			got, err := chromedp.Run(c.ctx, chromedp.Value(chromedp.CSS("#code"), c.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 6 || strings.Trim(got, "0123456789") != "" {
				t.Errorf("pasted %q: the field reads %q, want the 6 digits", pasted, got)
			}
			do(t, c.ctx, chromedp.Click(chromedp.CSS("#send"), c.in))
			if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
				t.Fatalf("pasted %q: order %q status %q, want paid Y", pasted, orderStatus, status)
			}
		})
	}
}

// insertText puts text into the focused field at once, as a paste does (one
// input event), not key by key.
func insertText(text string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
		return chromedp.Void{}, err
	}
}

// otpStub stands in for the browser's WebOTP (Android Chrome offers the
// SMS's code to the page that asks): navigator.credentials.get records each
// request on the document's data-otp attribute (its transport, whether it
// was aborted), and answers with the code the test sets as data-otp-code.
const otpStub = `(() => {
  const log = [];
  const save = () => document.documentElement && document.documentElement.setAttribute("data-otp", JSON.stringify(log));
  window.OTPCredential = window.OTPCredential || function () {};
  const get = (o) => new Promise((resolve, reject) => {
    const r = {transport: (o && o.otp && o.otp.transport) || [], aborted: false};
    log.push(r); save();
    if (o && o.signal) o.signal.addEventListener("abort", () => { r.aborted = true; save(); reject(new DOMException("aborted", "AbortError")); });
    new MutationObserver((_, ob) => {
      const code = document.documentElement.getAttribute("data-otp-code");
      if (code && !r.aborted) { ob.disconnect(); resolve({type: "otp", code}); }
    }).observe(document.documentElement, {attributes: true, attributeFilter: ["data-otp-code"]});
  });
  Object.defineProperty(navigator, "credentials", {value: {get}, configurable: true});
})();`

type otpRequest struct {
	Transport []string `json:"transport"`
	Aborted   bool     `json:"aborted"`
}

// TestWebOTPForSMS: an SMS challenge asks the browser for the code by
// WebOTP (transport sms). A code typed by hand aborts the pending request
// (here a wrong one, so the challenge goes on) and the client asks again;
// the code the browser then hands over fills the field and pays with no
// typing.
func TestWebOTPForSMS(t *testing.T) {
	card := newCard(t, "sms", enrolOpts{})
	seen := len(texts(t, card.Phone))
	ctx := newBrowser(t)
	do(t, ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: otpStub})
		return chromedp.Void{}, err
	}))
	c := startCheckoutIn(t, ctx, card, 1)
	var msgs []sms
	waitFor(t, "the code SMS", 15*time.Second, func() bool {
		msgs = texts(t, card.Phone)
		return len(msgs) > seen
	})
	code := codeRE.FindString(msgs[len(msgs)-1].Body)
	requests := func() []otpRequest {
		a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "data-otp", c.in))
		if err != nil || !a.Exists {
			return nil
		}
		var rs []otpRequest
		if err := json.Unmarshal([]byte(a.Value), &rs); err != nil {
			t.Fatalf("data-otp %q: %v", a.Value, err)
		}
		return rs
	}
	var rs []otpRequest
	waitFor(t, "the WebOTP request", 10*time.Second, func() bool { rs = requests(); return len(rs) > 0 })
	if !slices.Equal(rs[0].Transport, []string{"sms"}) {
		t.Fatalf("WebOTP asked with transport %v, want [sms]", rs[0].Transport)
	}

	c.enter(wrongCode(code))
	waitFor(t, "the typed code's abort and a new request", 10*time.Second, func() bool {
		rs = requests()
		return len(rs) >= 2 && rs[0].Aborted && !rs[len(rs)-1].Aborted
	})

	do(t, ctx, chromedp.SetAttributeValue(chromedp.CSS("html"), "data-otp-code", code, c.in))
	if orderStatus, status, _ := c.outcome(); orderStatus != "paid" || status != "Y" {
		t.Fatalf("after the browser handed the code over: order %q status %q, want paid Y", orderStatus, status)
	}
}
