package chromium

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Languages makes the tab of ctx (from New or Browser.Tab) a browser set
// to languages, most preferred first ("ja-JP", "ja", "en"), as a person
// sets them in the browser's settings: its pages and their frames send
// them as Accept-Language, Chromium adding the q-values
// ("ja-JP,ja;q=0.9,en;q=0.8"), and read them in navigator.languages, from
// the next request on. The user agent stays the browser's own.
//
// Without it a tab speaks Chromium's default, en-US, which the suite's
// tests that name no language expect; a test of what a server does with
// the browser's language (the portal in a Japanese browser) calls it
// right after New.
func Languages(t testing.TB, ctx context.Context, languages ...string) {
	t.Helper()
	if err := setLanguages(ctx, languages); err != nil {
		t.Fatal(err)
	}
}

func setLanguages(ctx context.Context, languages []string) error {
	if len(languages) == 0 {
		return fmt.Errorf("chromium: languages: none given")
	}
	v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return fmt.Errorf("chromium: languages %q: the user agent: %w", languages, err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent: v.UserAgent, AcceptLanguage: strings.Join(languages, ",")}); err != nil {
		return fmt.Errorf("chromium: languages %q: %w", languages, err)
	}
	return nil
}
