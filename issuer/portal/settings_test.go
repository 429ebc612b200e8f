package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer/store/pgtest"
)

func TestSharing(t *testing.T) { pg.ForEachEngine(t, testSharing) }

func testSharing(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	b.get("/portal/sharing")
	if p := b.post("/portal/sharing", url.Values{"share": {"no"}}); p.status != http.StatusSeeOther {
		t.Fatalf("opt out: %d", p.status)
	}
	if !h.card(cardA).SharingOptOut || h.card(cardB).SharingOptOut {
		t.Fatal("opt-out not stored, or stored on the other card")
	}
	if p := b.get("/portal/sharing"); !strings.Contains(p.body, "提供を停止しています") {
		t.Errorf("page after opt-out:\n%s", p.body)
	}
	for _, bad := range []string{"", "maybe"} {
		if p := b.post("/portal/sharing", url.Values{"share": {bad}}); p.status != http.StatusBadRequest {
			t.Errorf("share=%q: %d", bad, p.status)
		}
	}
	if !h.card(cardA).SharingOptOut {
		t.Error("a refused form changed the choice")
	}
	b.post("/portal/sharing", url.Values{"share": {"yes"}})
	if h.card(cardA).SharingOptOut {
		t.Error("opt back in not stored")
	}
}

func TestService(t *testing.T) { pg.ForEachEngine(t, testService) }

func testService(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	b.get("/portal/service")
	if p := b.post("/portal/service", url.Values{"action": {"stop"}}); p.status != http.StatusBadRequest {
		t.Fatalf("stop without confirming: %d", p.status)
	}
	if p := b.post("/portal/service", url.Values{"action": {"pause"}}); p.status != http.StatusBadRequest {
		t.Fatalf("unknown action: %d", p.status)
	}
	if !h.card(cardA).ServiceStoppedAt.IsZero() {
		t.Fatal("stopped by a refused form")
	}
	if p := b.post("/portal/service", url.Values{"action": {"stop"}, "confirm": {"yes"}}); p.status != http.StatusSeeOther {
		t.Fatalf("stop: %d", p.status)
	}
	if got := h.card(cardA).ServiceStoppedAt; !got.Equal(t0) {
		t.Fatalf("stopped at %v", got)
	}
	if !h.card(cardB).ServiceStoppedAt.IsZero() {
		t.Error("the other card stopped")
	}
	p := b.get("/portal/service")
	if !strings.Contains(p.body, "2026年11月22日 12:00から停止しています") || !strings.Contains(p.body, `id="restart"`) {
		t.Errorf("stopped page:\n%s", p.body)
	}
	if p := b.get("/portal/"); !strings.Contains(p.body, `id="stopped"`) {
		t.Error("home does not say the service is stopped")
	}
	b.get("/portal/service")
	b.post("/portal/service", url.Values{"action": {"restart"}})
	if !h.card(cardA).ServiceStoppedAt.IsZero() {
		t.Error("restart not stored")
	}
}
