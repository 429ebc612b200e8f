package portal

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer/store/pgtest"
)

var (
	startTag = regexp.MustCompile(`<([a-z][a-z0-9]*)\b([^>]*)>`)
	attrRe   = func(name string) *regexp.Regexp { return regexp.MustCompile(`\s` + name + `="([^"]*)"`) }
	hrefAttr = attrRe("href")
	typeAttr = attrRe("type")
	tabAttr  = attrRe("tabindex")
)

// firstFocusable is the first start tag of body that a Tab reaches: a
// link with an href, a button, a field other than a hidden input, or any
// element with a tabindex of 0 or more.
func firstFocusable(body string) string {
	for _, m := range startTag.FindAllStringSubmatch(body, -1) {
		name, attrs := m[1], m[2]
		if t := tabAttr.FindStringSubmatch(attrs); t != nil {
			if !strings.HasPrefix(t[1], "-") {
				return m[0]
			}
			continue
		}
		switch name {
		case "a":
			if hrefAttr.MatchString(attrs) {
				return m[0]
			}
		case "button", "select", "textarea":
			return m[0]
		case "input":
			if t := typeAttr.FindStringSubmatch(attrs); t == nil || t[1] != "hidden" {
				return m[0]
			}
		}
	}
	return ""
}

func TestFirstFocusable(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{`<p>x</p><input type="hidden" name="csrf"><a name="x">y</a><a href="/z">z</a>`, `<a href="/z">`},
		{`<main tabindex="-1"><input id="c">`, `<input id="c">`},
		{`<div tabindex="0"><button>`, `<div tabindex="0">`},
		{`<p>nothing</p>`, ""},
	} {
		if got := firstFocusable(tt.body); got != tt.want {
			t.Errorf("firstFocusable(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

// TestSkipLink: on every page the first thing a Tab reaches is a link to
// the content (15 Tabs through the header and the menu otherwise), in the
// page's language, to a <main> that takes the focus (tabindex=-1) without
// being in the tab order; the link is off-screen until focused.
func TestSkipLink(t *testing.T) { pg.ForEachEngine(t, testSkipLink) }

func testSkipLink(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	check := func(t *testing.T, p page, path, skip string) {
		t.Helper()
		body := p.body[strings.Index(p.body, "<body>")+len("<body>"):]
		if got, want := firstFocusable(body), `<a class="skip" href="#main">`; got != want {
			t.Errorf("%s: the first focusable is %s, want %s", path, got, want)
		}
		if !strings.Contains(body, `<a class="skip" href="#main">`+skip+`</a>`) {
			t.Errorf("%s: no skip link saying %q", path, skip)
		}
		if strings.Count(p.body, `id="main"`) != 1 || !strings.Contains(p.body, `<main id="main" tabindex="-1">`) {
			t.Errorf("%s: the target is not one <main id=\"main\" tabindex=\"-1\">", path)
		}
	}

	b := h.browser()
	for _, path := range []string{"/portal/signin", "/portal/nowhere"} {
		check(t, b.get(path), path, "本文へ移動")
	}
	if p := b.post("/portal/signin", url.Values{"card": {cardA}, "password": {passA}}); p.status != http.StatusSeeOther {
		t.Fatalf("password step: %d", p.status)
	}
	check(t, b.get("/portal/signin/code"), "/portal/signin/code", "本文へ移動")
	b.get("/portal/lang?to=en&next=/portal/signin")
	check(t, b.get("/portal/signin"), "/portal/signin (en)", "Skip to content")

	b = h.browser()
	b.signIn(cardA, passA, mailA)
	for _, path := range signedInPages {
		check(t, b.get(path), path, "本文へ移動")
	}

	// Off-screen until focused: the focus brings it back.
	s := readStylesheet(t)
	if l := s.decl(".skip", "left"); !strings.HasPrefix(l, "-") {
		t.Errorf(".skip { left: %s }: the link shows before it is focused", l)
	}
	if l := s.decl(".skip:focus", "left"); l == "" || strings.HasPrefix(l, "-") {
		t.Errorf(".skip:focus { left: %s }: the focused link stays off-screen", l)
	}
}

// signedInPages are the pages a signed-in cardholder can open with a GET
// and no state of a flow (an error page among them).
var signedInPages = []string{"/portal/", "/portal/message", "/portal/sharing", "/portal/history", "/portal/service",
	"/portal/password", "/portal/method", "/portal/contact/email", "/portal/app",
	"/portal/tokens", "/portal/cards", "/portal/nowhere"}

// TestProvisionalMessageIsAStatus: while the personal message is the
// provisional one, every page reminds of it in a status (a screen reader
// reads it when it gets there), never in an alert (which interrupts each
// page load); no page raises an alert when nothing went wrong.
func TestProvisionalMessageIsAStatus(t *testing.T) {
	pg.ForEachEngine(t, testProvisionalMessageIsAStatus)
}

func testProvisionalMessageIsAStatus(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	for _, path := range signedInPages {
		p := b.get(path)
		if !strings.Contains(p.body, `<p class="nag" role="status" id="nag">`) {
			t.Errorf("%s: the reminder is not a status:\n%.2000s", path, p.body)
		}
		if n := strings.Count(p.body, `role="alert"`); n != map[bool]int{true: 1, false: 0}[path == "/portal/nowhere"] {
			t.Errorf("%s: %d alerts", path, n)
		}
	}
}
