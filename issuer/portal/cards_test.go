package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/store/pgtest"
)

// link links card B to b's person through the password and code steps.
func (b *browser) link(card, password, mail string) {
	b.h.t.Helper()
	b.get("/portal/cards")
	p := b.post("/portal/cards/link", url.Values{"card": {card}, "password": {password}})
	if p.status != http.StatusSeeOther || p.location != "/portal/cards/link/code" {
		b.h.t.Fatalf("link password step: %d %q\n%s", p.status, p.location, p.body)
	}
	if p := b.get("/portal/cards/link/code"); !strings.Contains(p.body, "***@mail.example") {
		b.h.t.Fatalf("link code page:\n%s", p.body)
	}
	p = b.post("/portal/cards/link/code", url.Values{"code": {b.h.code(mail)}})
	if p.status != http.StatusSeeOther || p.location != "/portal/cards" {
		b.h.t.Fatalf("link code step: %d %q\n%s", p.status, p.location, p.body)
	}
}

func TestCombinedLogin(t *testing.T) { pg.ForEachEngine(t, testCombinedLogin) }

func testCombinedLogin(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	a, bID := h.cards[cardA].ID, h.cards[cardB].ID
	br := h.browser()
	br.signIn(cardA, passA, mailA)
	br.link(cardB, passB, mailB)
	if p := br.get("/portal/cards"); !strings.Contains(p.body, "カード番号下4桁 9024") || !strings.Contains(p.body, `id="switch-card"`) {
		t.Fatalf("cards page after linking:\n%s", p.body)
	}

	// Switch to B, change B's message and sharing: A keeps its own.
	if p := br.post("/portal/cards/switch", url.Values{"card_id": {strconv.FormatInt(bID, 10)}}); p.status != http.StatusSeeOther {
		t.Fatalf("switch: %d", p.status)
	}
	if p := br.get("/portal/"); !strings.Contains(p.body, `<span class="card" id="managed-card">カード番号下4桁 9024</span>`) {
		t.Fatalf("home after switch:\n%s", p.body)
	}
	br.get("/portal/message")
	br.post("/portal/message", url.Values{"message": {"カードBのメッセージ"}})
	br.get("/portal/sharing")
	br.post("/portal/sharing", url.Values{"share": {"no"}})
	if c := h.card(cardB); c.PersonalMessage != "カードBのメッセージ" || !c.SharingOptOut {
		t.Errorf("card B: %+v", c)
	}
	if c := h.card(cardA); c.PersonalMessage != provisionalMsg || !c.MessageProvisional || c.SharingOptOut {
		t.Errorf("card A changed with B: %+v", c)
	}

	// A new sign-in with B alone now manages both cards.
	other := h.browser()
	other.signIn(cardB, passB, mailB)
	if p := other.get("/portal/cards"); !strings.Contains(p.body, "Card ending 9016") {
		t.Errorf("sign-in with B does not see A:\n%s", p.body)
	}

	// Unlink: not the managed card; the other one goes.
	br.get("/portal/cards")
	if p := br.post("/portal/cards/unlink", url.Values{"card_id": {strconv.FormatInt(bID, 10)}}); p.status != http.StatusConflict {
		t.Fatalf("unlink the managed card: %d", p.status)
	}
	if p := br.post("/portal/cards/unlink", url.Values{"card_id": {strconv.FormatInt(a, 10)}}); p.status != http.StatusSeeOther {
		t.Fatalf("unlink A: %d", p.status)
	}
	if p := br.get("/portal/cards"); strings.Contains(p.body, "9016") {
		t.Error("A still listed after unlinking")
	}
	if p := br.post("/portal/cards/switch", url.Values{"card_id": {strconv.FormatInt(a, 10)}}); p.status != http.StatusNotFound {
		t.Errorf("switch to the unlinked card: %d", p.status)
	}
}

func TestCardsRefused(t *testing.T) { pg.ForEachEngine(t, testCardsRefused) }

func testCardsRefused(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	br := h.browser()
	br.signIn(cardA, passA, mailA)
	cID := strconv.FormatInt(h.cards[cardC].ID, 10)
	tests := []struct {
		name, path string
		form       url.Values
		status     int
	}{
		{"switch to a card not linked", "/portal/cards/switch", url.Values{"card_id": {cID}}, http.StatusNotFound},
		{"switch to no card", "/portal/cards/switch", url.Values{"card_id": {"x"}}, http.StatusBadRequest},
		{"unlink a card not linked", "/portal/cards/unlink", url.Values{"card_id": {cID}}, http.StatusNotFound},
		{"link with a wrong password", "/portal/cards/link", url.Values{"card": {cardB}, "password": {"wrong"}}, http.StatusUnauthorized},
		{"link an unknown card", "/portal/cards/link", url.Values{"card": {cardUnknown}, "password": {passB}}, http.StatusUnauthorized},
		{"link code without a pending link", "/portal/cards/link/code", url.Values{"code": {"123456"}}, http.StatusGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br.get("/portal/cards")
			if p := br.post(tt.path, tt.form); p.status != tt.status {
				t.Errorf("%d, want %d\n%s", p.status, tt.status, p.body)
			}
		})
	}
	if p := br.get("/portal/"); !strings.Contains(p.body, "9016") || strings.Contains(p.body, `id="switch-card"`) {
		t.Error("the session's cards changed")
	}
	if n := len(h.inbox.Messages(mailB)); n != 0 {
		t.Errorf("%d codes sent to B", n)
	}

	// Linking the card already managed says so, sends nothing.
	br.get("/portal/cards")
	if p := br.post("/portal/cards/link", url.Values{"card": {cardA}, "password": {passA}}); p.status != http.StatusSeeOther {
		t.Errorf("link the same card: %d", p.status)
	}
	if p := br.get("/portal/cards"); !strings.Contains(p.body, "すでに連携しています") {
		t.Error("no 'already linked' message")
	}
}

// TestLinkCodeOtherPerson: a link code mailed for one person's session
// does not link the card to someone else who holds the handle.
func TestLinkCodeOtherPerson(t *testing.T) { pg.ForEachEngine(t, testLinkCodeOtherPerson) }

func testLinkCodeOtherPerson(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	one := h.browser()
	one.signIn(cardA, passA, mailA)
	one.get("/portal/cards")
	one.post("/portal/cards/link", url.Values{"card": {cardB}, "password": {passB}})
	name, _ := h.portal.pendingCookie("link")
	u, _ := url.Parse(h.srv.URL + "/portal/")
	var handle *http.Cookie
	for _, c := range one.client.Jar.Cookies(u) {
		if c.Name == name {
			handle = c
		}
	}
	if handle == nil {
		t.Fatal("no link cookie")
	}
	two := h.browser()
	two.signIn(cardB, passB, mailB)
	two.client.Jar.SetCookies(u, []*http.Cookie{handle})
	two.get("/portal/cards")
	if p := two.post("/portal/cards/link/code", url.Values{"code": {h.code(mailB)}}); p.status != http.StatusGone {
		t.Fatalf("someone else's link code: %d", p.status)
	}
	pa, _ := h.store.EnsurePerson(t.Context(), h.cards[cardA].ID, t0)
	if has, _ := h.store.PersonHasCard(t.Context(), pa, h.cards[cardB].ID); has {
		t.Error("B linked to A's person")
	}
}

// TestLinkCardLocked: wrong passwords at the card-link step count towards
// that card's sign-in lock; the 5th answers 429 with Retry-After until the
// lock ends, and the right one is then refused the same way.
func TestLinkCardLocked(t *testing.T) { pg.ForEachEngine(t, testLinkCardLocked) }

func testLinkCardLocked(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	br := h.browser()
	br.signIn(cardA, passA, mailA)
	lock := strconv.Itoa(int(PasswordLock / time.Second))
	for i := 1; i <= MaxPasswordFailures; i++ {
		br.get("/portal/cards")
		p := br.post("/portal/cards/link", url.Values{"card": {cardB}, "password": {"wrong-password"}})
		want, retry := http.StatusUnauthorized, ""
		if i == MaxPasswordFailures {
			want, retry = http.StatusTooManyRequests, lock
		}
		if p.status != want || p.header.Get("Retry-After") != retry {
			t.Fatalf("wrong password %d: %d Retry-After %q, want %d %q\n%s", i, p.status, p.header.Get("Retry-After"), want, retry, p.body)
		}
	}
	br.get("/portal/cards")
	if p := br.post("/portal/cards/link", url.Values{"card": {cardB}, "password": {passB}}); p.status != http.StatusTooManyRequests ||
		p.header.Get("Retry-After") != lock {
		t.Errorf("the right password during the lock: %d Retry-After %q, want 429 %q", p.status, p.header.Get("Retry-After"), lock)
	}
}
