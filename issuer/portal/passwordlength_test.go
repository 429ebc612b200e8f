package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer/store/pgtest"
)

// TestPasswordLengthInCharacters: the portal password's limits count
// characters, when it is set and when it signs in: a password of
// MaxPortalPassword kanji (three bytes each in UTF-8) that the portal
// accepted signs in. (Sign-in once refused any password over 256 bytes,
// which locked such a cardholder out of a password the portal had taken.)
func TestPasswordLengthInCharacters(t *testing.T) {
	pg.ForEachEngine(t, testPasswordLengthInCharacters)
}

func testPasswordLengthInCharacters(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	long := strings.Repeat("馬", MaxPortalPassword)
	b.get("/portal/password")
	if p := b.post("/portal/password", url.Values{"current": {passA}, "new": {long}, "again": {long}}); p.status != http.StatusSeeOther {
		t.Fatalf("a %d-kanji password: %d\n%s", MaxPortalPassword, p.status, p.body)
	}
	fresh := h.browser()
	fresh.get("/portal/signin")
	if p := fresh.post("/portal/signin", url.Values{"card": {cardA}, "password": {long}}); p.status != http.StatusSeeOther {
		t.Errorf("the %d-kanji password the portal took does not sign in: %d", MaxPortalPassword, p.status)
	}
	if p := fresh.post("/portal/signin", url.Values{"card": {cardA}, "password": {long + "馬"}}); p.status != http.StatusBadRequest {
		t.Errorf("a password of %d kanji, more than any the portal takes: %d, want it refused unchecked", MaxPortalPassword+1, p.status)
	}
}
