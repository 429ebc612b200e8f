package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer/store/pgtest"
)

func TestMessage(t *testing.T) { pg.ForEachEngine(t, testMessage) }

func testMessage(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	p := b.get("/portal/message")
	if !strings.Contains(p.body, `<p class="message">`+provisionalMsg+`</p>`) || !strings.Contains(p.body, `id="nag"`) {
		t.Fatalf("message page:\n%s", p.body)
	}
	// The nag is on every page while the message is provisional: a
	// status, which a screen reader reads when it reaches it, not an alert
	// interrupting every page load.
	if p := b.get("/portal/history"); !strings.Contains(p.body, `<p class="nag" role="status" id="nag">`) {
		t.Errorf("history page does not nag as a status:\n%s", p.body)
	}

	// Preview shows the draft in the box and saves nothing.
	draft := "ねこ & <b>いぬ</b>\n二行目"
	p = b.post("/portal/message", url.Values{"message": {draft}, "preview": {"1"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "ねこ &amp; &lt;b&gt;いぬ&lt;/b&gt;\n二行目</p>") {
		t.Fatalf("preview: %d\n%s", p.status, p.body)
	}
	if c := h.card(cardA); c.PersonalMessage != provisionalMsg || !c.MessageProvisional {
		t.Fatalf("preview saved: %+v", c)
	}

	p = b.post("/portal/message", url.Values{"message": {"  " + strings.ReplaceAll(draft, "\n", "\r\n") + " "}})
	if p.status != http.StatusSeeOther || p.location != "/portal/message" {
		t.Fatalf("save: %d %q", p.status, p.location)
	}
	c := h.card(cardA)
	if c.PersonalMessage != draft || c.MessageProvisional {
		t.Fatalf("saved %q provisional=%v", c.PersonalMessage, c.MessageProvisional)
	}
	p = b.get("/portal/message")
	if !strings.Contains(p.body, `id="flash"`) || strings.Contains(p.body, `id="nag"`) {
		t.Errorf("after save: flash or nag wrong:\n%s", p.body)
	}
	for _, path := range []string{"/portal/", "/portal/history"} {
		if p := b.get(path); strings.Contains(p.body, `id="nag"`) || strings.Contains(p.body, `id="flash"`) {
			t.Errorf("%s still nags, or the flash shows twice", path)
		}
	}
	// The other card is untouched.
	if c := h.card(cardB); c.PersonalMessage != provisionalMsg || !c.MessageProvisional {
		t.Errorf("card B changed: %+v", c)
	}
}

func TestMessageRefused(t *testing.T) { pg.ForEachEngine(t, testMessageRefused) }

func testMessageRefused(t *testing.T, e pgtest.Engine) {
	tests := []struct{ name, msg string }{
		{"empty", "   "},
		{"too long", strings.Repeat("あ", 61)},
		{"three lines", "a\nb\nc"},
		{"control character", "a\x07b"},
		{"bidi override", "abc\u202edef"},
		{"zero width joiner", "a\u200db"},
	}
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.get("/portal/message")
			p := b.post("/portal/message", url.Values{"message": {tt.msg}})
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="error"`) {
				t.Fatalf("%d:\n%s", p.status, p.body)
			}
			if c := h.card(cardA); c.PersonalMessage != provisionalMsg || !c.MessageProvisional {
				t.Errorf("message changed: %+v", c)
			}
		})
	}
	// What was typed is kept in the field.
	p := b.post("/portal/message", url.Values{"message": {strings.Repeat("い", 61)}})
	if !strings.Contains(p.body, ">"+strings.Repeat("い", 61)+"</textarea>") {
		t.Error("the rejected text is lost")
	}
}
