package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer/store/pgtest"
)

// TestBrowserLang: the portal language an Accept-Language header prefers,
// q-values read.
func TestBrowserLang(t *testing.T) {
	for _, tt := range []struct {
		name   string
		values []string
		want   string // "": neither
	}{
		{"none", nil, ""},
		{"empty", []string{""}, ""},
		{"Japanese browser", []string{"ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7"}, "ja"},
		{"Chromium's default", []string{"en-US,en;q=0.9"}, "en"},
		{"bare ja", []string{"ja"}, "ja"},
		{"case", []string{"EN-gb"}, "en"},
		{"q beats order", []string{"en;q=0.1, ja"}, "ja"},
		{"q beats order, en", []string{"ja;q=0.5,en;q=0.8"}, "en"},
		{"equal q: the first", []string{"en;q=0.5, ja;q=0.5"}, "en"},
		{"another language first", []string{"fr-FR,fr;q=0.9,en;q=0.5,ja;q=0.4"}, "en"},
		{"q=0 is a refusal", []string{"en;q=0, ja;q=0.1"}, "ja"},
		{"only refusals", []string{"ja;q=0,en;q=0.000"}, ""},
		{"neither", []string{"fr-FR,de;q=0.5"}, ""},
		{"wildcard is no preference", []string{"*"}, ""},
		{"wildcard after ja", []string{"ja,*;q=0.5"}, "ja"},
		{"malformed q is ignored", []string{"en;q=2, ja;q=0.3"}, "ja"},
		{"q with 4 decimals is malformed", []string{"en;q=0.9999, ja;q=0.3"}, "ja"},
		{"NaN is malformed", []string{"en;q=NaN, ja;q=0.01"}, "ja"},
		{"other parameter", []string{"en;level=1, ja;q=0.2"}, "ja"},
		{"spaces", []string{" ja-JP ; q=0.3 , en ; q = 0.2 "}, "ja"},
		{"q=1.000", []string{"en;q=0.9,ja;q=1.000"}, "ja"},
		{"a prefix is not a language", []string{"jav,eng"}, ""},
		{"two header lines", []string{"fr", "ja;q=0.6, en;q=0.5"}, "ja"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := browserLang(tt.values)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("browserLang(%q) = %q, %v; want %q", tt.values, got, ok, tt.want)
			}
		})
	}
}

// TestLanguageAtSignIn: the sign-in pages and the session that follows
// are in the browser's language until the person chooses one with the
// switch; the choice then wins, at this sign-in and the next. A browser
// that names neither language gets Japanese before sign-in and the card's
// language after. cardA's mails go out in Japanese, cardB's in English.
func TestLanguageAtSignIn(t *testing.T) { pg.ForEachEngine(t, testLanguageAtSignIn) }

func testLanguageAtSignIn(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	const (
		jaBrowser = "ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7"
		enBrowser = "en-US,en;q=0.9"
	)
	for _, tt := range []struct {
		name, accept string
		chosen       string // the switch's choice before signing in; "": none
		card, pass   string
		mail         string
		before       string // the sign-in page's lang
		after        string // the home page's after sign-in
	}{
		{"Japanese browser, English card", jaBrowser, "", cardB, passB, mailB, "ja", "ja"},
		{"English browser, Japanese card", enBrowser, "", cardA, passA, mailA, "en", "en"},
		{"Japanese by q-value", "en;q=0.2,ja;q=0.8", "", cardB, passB, mailB, "ja", "ja"},
		{"no Accept-Language: the card's", "", "", cardB, passB, mailB, "ja", "en"},
		{"neither language: the card's", "fr-FR,fr", "", cardB, passB, mailB, "ja", "en"},
		{"neither language, Japanese card", "de", "", cardA, passA, mailA, "ja", "ja"},
		{"the choice wins over a Japanese browser", jaBrowser, "en", cardA, passA, mailA, "en", "en"},
		{"the choice wins over an English browser", enBrowser, "ja", cardB, passB, mailB, "ja", "ja"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := h.browser()
			b.acceptLanguage = tt.accept
			if tt.chosen != "" {
				b.get("/portal/lang?to=" + tt.chosen + "&next=/portal/signin")
			}
			if p := b.get("/portal/signin"); !strings.Contains(p.body, `<html lang="`+tt.before+`">`) {
				t.Errorf("sign-in page: want lang %s:\n%.300s", tt.before, p.body)
			}
			p := b.post("/portal/signin", url.Values{"card": {tt.card}, "password": {tt.pass}})
			if p.status != http.StatusSeeOther {
				t.Fatalf("password step: %d\n%s", p.status, p.body)
			}
			if p := b.get("/portal/signin/code"); !strings.Contains(p.body, `<html lang="`+tt.before+`">`) {
				t.Errorf("code page: want lang %s:\n%.300s", tt.before, p.body)
			}
			if p := b.post("/portal/signin/code", url.Values{"code": {h.code(tt.mail)}}); p.location != "/portal/" {
				t.Fatalf("code step: %d %q", p.status, p.location)
			}
			p = b.get("/portal/")
			if !strings.Contains(p.body, `<html lang="`+tt.after+`">`) || p.header.Get("Content-Language") != tt.after {
				t.Errorf("after sign-in: want lang %s, Content-Language %q:\n%.300s", tt.after, p.header.Get("Content-Language"), p.body)
			}
			// The session keeps its language whatever the browser sends
			// later.
			b.acceptLanguage = map[string]string{"ja": enBrowser, "en": jaBrowser}[tt.after]
			if p := b.get("/portal/history"); p.header.Get("Content-Language") != tt.after {
				t.Errorf("later page with Accept-Language %q: Content-Language %q, want %s", b.acceptLanguage, p.header.Get("Content-Language"), tt.after)
			}
		})
	}

	// The choice made in a session is remembered for the next sign-in in
	// this browser, over the browser's language.
	b := h.browser()
	b.acceptLanguage = jaBrowser
	b.signIn(cardA, passA, mailA)
	b.get("/portal/lang?to=en&next=/portal/")
	b.post("/portal/signout", nil)
	b.signIn(cardA, passA, mailA)
	if p := b.get("/portal/"); p.header.Get("Content-Language") != "en" {
		t.Errorf("next sign-in after choosing English: Content-Language %q", p.header.Get("Content-Language"))
	}
}
