package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer/store/pgtest"
)

// TestCSRF: every signed-in POST without the session's token is refused
// with 403 and changes nothing.
func TestCSRF(t *testing.T) { pg.ForEachEngine(t, testCSRF) }

func testCSRF(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	other := h.browser()
	other.signIn(cardB, passB, mailB)
	forms := map[string]url.Values{
		"/portal/message":      {"message": {"forged"}},
		"/portal/sharing":      {"share": {"no"}},
		"/portal/service":      {"action": {"stop"}, "confirm": {"yes"}},
		"/portal/signout":      {},
		"/portal/cards/link":   {"card": {cardB}, "password": {passB}},
		"/portal/cards/switch": {"card_id": {"1"}},
		"/portal/cards/unlink": {"card_id": {"1"}},
		"/portal/password":     {"current": {passA}, "new": {"forged-password"}, "again": {"forged-password"}},
	}
	for path, form := range forms {
		for _, token := range []string{"", "wrong", other.csrf()} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if token != "" {
				f.Set("csrf", token)
			}
			p := b.postRaw(path, f)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "確認用のトークンがありません") {
				t.Errorf("POST %s with csrf %q: %d", path, token, p.status)
			}
		}
	}
	c := h.card(cardA)
	if c.PersonalMessage != provisionalMsg || c.SharingOptOut || !c.ServiceStoppedAt.IsZero() {
		t.Errorf("card changed by forged forms: %+v", c)
	}
	if b.get("/portal/").status != http.StatusOK {
		t.Error("forged sign-out signed out")
	}
	if n := len(h.inbox.Messages(mailB)); n != 1 {
		t.Errorf("%d mails to B (its own sign-in is 1)", n)
	}
}

func TestSecurityHeaders(t *testing.T) { pg.ForEachEngine(t, testSecurityHeaders) }

func testSecurityHeaders(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	for _, path := range []string{"/portal/signin", "/portal/nothing-here"} {
		p := b.get(path)
		for k, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
			"Cache-Control":           "no-store",
			"X-Frame-Options":         "DENY",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := p.header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
	if p := b.get("/portal/nothing-here"); p.status != http.StatusNotFound || !strings.Contains(p.body, `id="error"`) {
		t.Errorf("unknown page: %d", p.status)
	}
	if p := b.get("/portal/static/portal.css"); p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/css") {
		t.Errorf("style sheet: %d %q", p.status, p.header.Get("Content-Type"))
	}
	if p := b.postRaw("/portal/", url.Values{}); p.status != http.StatusNotFound {
		t.Errorf("POST /portal/: %d", p.status)
	}
}

func TestSignedInPagesNeedSession(t *testing.T) { pg.ForEachEngine(t, testSignedInPagesNeedSession) }

func testSignedInPagesNeedSession(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	for _, path := range []string{"/portal/", "/portal/message", "/portal/sharing", "/portal/history", "/portal/service",
		"/portal/cards", "/portal/cards/link/code", "/portal/password"} {
		if p := b.get(path); p.status != http.StatusSeeOther || p.location != "/portal/signin" {
			t.Errorf("GET %s without a session: %d %q", path, p.status, p.location)
		}
	}
}

func TestLanguage(t *testing.T) { pg.ForEachEngine(t, testLanguage) }

func testLanguage(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	if p := b.get("/portal/signin"); !strings.Contains(p.body, `<html lang="ja">`) || !strings.Contains(p.body, "サインイン") {
		t.Error("default is not Japanese")
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/portal/signin", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9,ja;q=0.5")
	if p := b.do(req); !strings.Contains(p.body, `<html lang="en">`) {
		t.Error("Accept-Language en ignored")
	}
	p := b.get("/portal/lang?to=en&next=/portal/signin")
	if p.status != http.StatusSeeOther || p.location != "/portal/signin" {
		t.Fatalf("switch: %d %q", p.status, p.location)
	}
	if p := b.get("/portal/signin"); !strings.Contains(p.body, "Portal password") {
		t.Error("switch to English did not stick")
	}
	for _, next := range []string{"https://evil.example/", "//evil.example/portal/", "/elsewhere"} {
		if p := b.get("/portal/lang?to=ja&next=" + url.QueryEscape(next)); p.location != "/portal/" {
			t.Errorf("next=%s: redirected to %q", next, p.location)
		}
	}
	if p := b.get("/portal/lang?to=fr"); p.status != http.StatusBadRequest {
		t.Errorf("to=fr: %d", p.status)
	}
	// The language chosen before sign-in is the session's; a card whose
	// locale is ja gets English pages.
	b.get("/portal/lang?to=en&next=/portal/signin")
	b.signIn(cardA, passA, mailA)
	if p := b.get("/portal/"); !strings.Contains(p.body, "Card ending 9016") {
		t.Error("session did not take the chosen language")
	}
	b.get("/portal/lang?to=ja&next=/portal/")
	if p := b.get("/portal/"); !strings.Contains(p.body, "カード番号下4桁 9016") {
		t.Error("switch in a session did not stick")
	}
}
