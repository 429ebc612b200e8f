package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/onetime"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// TestReplicas: two portals over one store, as two issuer processes on
// one database behind a round-robin proxy, each request served by the
// other portal than the one before. Whatever the portal keeps (sessions,
// pending codes and their tries, flashes, the pre-sign-in CSRF cookie's
// key) must hold across them: a portal that kept any of it in memory
// would refuse the second step or count tries twice. e2e TestReplicas
// does the same through the real processes.
func TestReplicas(t *testing.T) { pg.ForEachEngine(t, testReplicas) }

func testReplicas(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	var replicas [2]*Server
	for i := range replicas {
		s, err := New(h.cfg)
		if err != nil {
			t.Fatal(err)
		}
		replicas[i] = s
	}
	var next int
	h.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := replicas[next%2]
		next++
		s.ServeHTTP(w, r)
	})

	t.Run("session", func(t *testing.T) {
		b := h.browser()
		b.signIn(cardA, passA, mailA) // signin page, password, code page, code, home: alternating
		msg := "レプリカ越しのメッセージ"
		b.get("/portal/message")
		if p := b.post("/portal/message", url.Values{"message": {msg}}); p.status != http.StatusSeeOther {
			t.Fatalf("save message: %d\n%s", p.status, p.body)
		}
		p := b.get("/portal/message")
		if !strings.Contains(p.body, `id="flash"`) || !strings.Contains(p.body, msg) {
			t.Errorf("the other portal's message page lacks the flash or the saved message:\n%s", p.body)
		}
		old := sessionCookieOf(t, b)
		for range 2 { // once on each portal
			if p := b.get("/portal/"); p.status != http.StatusOK {
				t.Errorf("home on portal %d: %d", next%2, p.status)
			}
		}
		if p := b.post("/portal/signout", nil); p.status != http.StatusSeeOther {
			t.Fatalf("sign out: %d", p.status)
		}
		for range 2 {
			c := h.browser()
			u, _ := url.Parse(h.srv.URL + "/portal/")
			c.client.Jar.SetCookies(u, []*http.Cookie{{Name: "honnin_portal", Value: old, Path: "/portal/"}})
			if p := c.get("/portal/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/portal/signin") {
				t.Errorf("the signed-out session on portal %d: %d %q, want 303 to sign-in", next%2, p.status, p.location)
			}
		}
	})

	t.Run("code tries", func(t *testing.T) {
		b := h.browser()
		b.get("/portal/signin")
		if p := b.post("/portal/signin", url.Values{"card": {cardB}, "password": {passB}}); p.status != http.StatusSeeOther {
			t.Fatalf("password step: %d\n%s", p.status, p.body)
		}
		right := h.code(mailB)
		wrong := "000000"
		if right == wrong {
			wrong = "111111"
		}
		tries := onetime.PortalSignIn.Tries
		var got, want []int
		for i := range tries {
			got = append(got, b.post("/portal/signin/code", url.Values{"code": {wrong}}).status)
			want = append(want, http.StatusUnauthorized)
			if i == tries-1 {
				want[i] = http.StatusGone
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%d wrong codes alternated between the portals: %v, want %v", tries, got, want)
		}
	})
}

// sessionCookieOf is b's session cookie.
func sessionCookieOf(t *testing.T, b *browser) string {
	t.Helper()
	u, _ := url.Parse(b.h.srv.URL + "/portal/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "honnin_portal" {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}
