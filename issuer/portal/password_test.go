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

func TestPassword(t *testing.T) { pg.ForEachEngine(t, testPassword) }

func testPassword(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	other := h.browser()
	other.signIn(cardA, passA, mailA)

	tests := []struct {
		name                 string
		current, next, again string
		status               int
		text                 string
	}{
		{"too short", passA, "short", "short", http.StatusBadRequest, "10〜128文字"},
		{"too long", passA, strings.Repeat("x", 129), strings.Repeat("x", 129), http.StatusBadRequest, "10〜128文字"},
		{"mismatch", passA, "new-password-1", "new-password-2", http.StatusBadRequest, "一致しません"},
		{"wrong current", "not-it", "new-password-1", "new-password-1", http.StatusUnauthorized, "現在のパスワードが正しくありません"},
		{"same", passA, passA, passA, http.StatusBadRequest, "現在のものと同じ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.get("/portal/password")
			p := b.post("/portal/password", url.Values{"current": {tt.current}, "new": {tt.next}, "again": {tt.again}})
			if p.status != tt.status || !strings.Contains(p.body, tt.text) {
				t.Fatalf("%d, want %d with %q\n%s", p.status, tt.status, tt.text, p.body)
			}
		})
	}
	b.get("/portal/password")
	p := b.post("/portal/password", url.Values{"current": {passA}, "new": {"new-password-1"}, "again": {"new-password-1"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", p.status, p.body)
	}
	if p := other.get("/portal/"); p.status != http.StatusSeeOther {
		t.Errorf("the other session survived the change: %d", p.status)
	}
	if p := b.get("/portal/password"); p.status != http.StatusOK || !strings.Contains(p.body, `id="flash"`) {
		t.Errorf("this session after the change: %d", p.status)
	}
	fresh := h.browser()
	fresh.get("/portal/signin")
	if p := fresh.post("/portal/signin", url.Values{"card": {cardA}, "password": {passA}}); p.status != http.StatusUnauthorized {
		t.Errorf("old password still signs in: %d", p.status)
	}
	if p := fresh.post("/portal/signin", url.Values{"card": {cardA}, "password": {"new-password-1"}}); p.status != http.StatusSeeOther {
		t.Errorf("new password refused: %d", p.status)
	}
}

// TestPasswordWrongLocks: wrong current passwords count towards the
// card's sign-in lock.
func TestPasswordWrongLocks(t *testing.T) { pg.ForEachEngine(t, testPasswordWrongLocks) }

func testPasswordWrongLocks(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	var p page
	for range MaxPasswordFailures {
		b.get("/portal/password")
		p = b.post("/portal/password", url.Values{"current": {"wrong"}, "new": {"new-password-1"}, "again": {"new-password-1"}})
	}
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") != strconv.Itoa(int(PasswordLock/time.Second)) {
		t.Fatalf("5th wrong current password: %d Retry-After %q, want 429 until the lock ends", p.status, p.header.Get("Retry-After"))
	}
	fresh := h.browser()
	fresh.get("/portal/signin")
	if p := fresh.post("/portal/signin", url.Values{"card": {cardA}, "password": {passA}}); p.status != http.StatusTooManyRequests {
		t.Errorf("sign-in during the lock: %d", p.status)
	}
}
