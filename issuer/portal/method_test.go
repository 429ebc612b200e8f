package portal

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// TestMethodThreeSteps walks the method change as a browser without
// JavaScript does: the method page (pick SMS: no request), Next (a GET
// that changes nothing), Change (the POST), then the done page. The
// browser test counts the clicks; this one checks each page and that
// only the POST changes the card.
func TestMethodThreeSteps(t *testing.T) { pg.ForEachEngine(t, testMethodThreeSteps) }

func testMethodThreeSteps(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	p := b.get("/portal/method")
	for _, want := range []string{`id="m-email"`, `id="m-sms"`, `id="m-app"`, "***@mail.jp", "***-****-1234"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("method page lacks %q", want)
		}
	}
	if strings.Contains(p.body, `id="m-token"`) || strings.Contains(p.body, `id="m-password"`) {
		t.Error("method page offers a token or the password to a card with neither")
	}
	p = b.get("/portal/method/confirm?method=sms")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="confirm"`) || !strings.Contains(p.body, "***-****-1234") {
		t.Fatalf("confirm page: %d\n%s", p.status, p.body)
	}
	if m := h.method(cardA); m != issuer.MethodEmail {
		t.Fatalf("the confirmation page changed the method to %s", m)
	}
	p = b.post("/portal/method", form("method", "sms"))
	if p.status != http.StatusSeeOther || p.location != "/portal/method/done" {
		t.Fatalf("change: %d %q\n%s", p.status, p.location, p.body)
	}
	p = b.get("/portal/method/done")
	if !strings.Contains(p.body, `id="done"`) || !strings.Contains(p.body, "SMS") || !strings.Contains(p.body, `id="flash"`) {
		t.Errorf("done page:\n%s", p.body)
	}
	if m := h.method(cardA); m != issuer.MethodSMS {
		t.Errorf("method is %s, want sms", m)
	}
	// Card B, the same person's other card or not, is untouched.
	if m := h.method(cardB); m != issuer.MethodEmail {
		t.Errorf("card B's method is %s", m)
	}
}

// TestMethodConfirmLeadsOn: a method the card cannot use yet leads to
// where it becomes usable; bad picks are refused with the reason.
func TestMethodConfirmLeadsOn(t *testing.T) { pg.ForEachEngine(t, testMethodConfirmLeadsOn) }

func testMethodConfirmLeadsOn(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	tests := []struct {
		name     string
		setup    func()
		method   string
		status   int
		location string // for 303
		want     string // in the body otherwise
	}{
		{"nothing picked", nil, "", http.StatusBadRequest, "", "認証方法を選んでください"},
		{"unknown method", nil, "fax", http.StatusBadRequest, "", "選べない認証方法"},
		{"password is not offered", nil, "password", http.StatusBadRequest, "", "選べない認証方法"},
		{"the current method", nil, "email", http.StatusOK, "", "現在の認証方法です"},
		{"app without an app", nil, "app", http.StatusSeeOther, "/portal/app?for=method", ""},
		{"sms without a phone", func() { h.setContact(cardA, mailA, "") }, "sms", http.StatusSeeOther, "/portal/contact/sms?for=method", ""},
	}
	for _, tt := range tests {
		if tt.setup != nil {
			tt.setup()
		}
		p := b.get("/portal/method/confirm?method=" + tt.method)
		if p.status != tt.status || p.location != tt.location || !strings.Contains(p.body, tt.want) {
			t.Errorf("%s: %d %q, want %d %q with %q\n%s", tt.name, p.status, p.location, tt.status, tt.location, tt.want, p.body)
		}
		if m := h.method(cardA); m != issuer.MethodEmail {
			t.Fatalf("%s: method became %s", tt.name, m)
		}
	}
}

// TestMethodLockedAndRaces: a locked method is shown but not offered; a
// POST for a method that stopped being usable after the page was shown is
// refused and changes nothing.
func TestMethodLockedAndRaces(t *testing.T) { pg.ForEachEngine(t, testMethodLockedAndRaces) }

func testMethodLockedAndRaces(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	ctx := context.Background()
	importTestTokens(t, h, cardA, "HNT9000000001")
	tok := h.creds(cardA, issuer.MethodToken)[0]
	if err := h.store.LockCredential(ctx, tok.ID, issuer.LockFailures, "issuer", h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	p := b.get("/portal/method")
	if !strings.Contains(p.body, `id="m-token" disabled`) || !strings.Contains(p.body, "ロック中のため選べません") {
		t.Errorf("locked token not shown as locked:\n%s", p.body)
	}
	if p := b.get("/portal/method/confirm?method=token"); p.status != http.StatusConflict {
		t.Errorf("confirm a locked method: %d", p.status)
	}
	b.get("/portal/method")
	for _, m := range []string{"token", "app", "fax", ""} {
		if p := b.post("/portal/method", form("method", m)); p.status != http.StatusConflict {
			t.Errorf("POST method %q: %d, want 409", m, p.status)
		}
	}
	if m := h.method(cardA); m != issuer.MethodEmail {
		t.Errorf("method became %s", m)
	}
}

// TestCombinedLoginKeepsMethods: with card B linked to A's sign-in, the
// method, contact and app pages act on the managed card only.
func TestCombinedLoginKeepsMethods(t *testing.T) { pg.ForEachEngine(t, testCombinedLoginKeepsMethods) }

func testCombinedLoginKeepsMethods(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	b.link(cardB, passB, mailB)
	b.get("/portal/cards")
	if p := b.post("/portal/cards/switch", form("card_id", strconv.FormatInt(h.cards[cardB].ID, 10))); p.status != http.StatusSeeOther {
		t.Fatalf("switch: %d", p.status)
	}
	b.get("/portal/method/confirm?method=sms")
	if p := b.post("/portal/method", form("method", "sms")); p.status != http.StatusSeeOther {
		t.Fatalf("change B's method: %d", p.status)
	}
	mailsA := len(h.inbox.Messages(mailA))
	b.get("/portal/app")
	if p := b.post("/portal/app/issue", nil); p.status != http.StatusSeeOther {
		t.Fatalf("issue B's registration: %d", p.status)
	}
	if got, want := h.method(cardB), issuer.MethodSMS; got != want {
		t.Errorf("B's method %s, want %s", got, want)
	}
	if got := h.method(cardA); got != issuer.MethodEmail {
		t.Errorf("A's method changed to %s", got)
	}
	if n := len(h.inbox.Messages(mailA)); n != mailsA {
		t.Errorf("B's registration password went to A's address")
	}
	h.regPassword(mailB)
	ctx := context.Background()
	if _, err := h.store.PendingAppRegistration(ctx, h.cards[cardA].ID, h.clock.Now()); err == nil {
		t.Error("A has B's app registration")
	}
	if _, err := h.store.PendingAppRegistration(ctx, h.cards[cardB].ID, h.clock.Now()); err != nil {
		t.Errorf("B's registration: %v", err)
	}
}
