package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/onetime"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

func TestSignIn(t *testing.T) { pg.ForEachEngine(t, testSignIn) }

func testSignIn(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	p := b.get("/portal/")
	for _, want := range []string{"カード番号下4桁 9016", "***@mail.jp", `id="nag"`, "***-****-1234", `lang="ja"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	if strings.Contains(p.body, "3540123456789016") || strings.Contains(p.body, mailA) {
		t.Error("home shows the card number or the address in clear")
	}
	mails := h.inbox.Messages(mailA)
	if len(mails) != 1 || mails[0].Subject != "【本人認証】会員ポータルの確認コードのお知らせ" {
		t.Fatalf("mails to %s: %+v", mailA, mails)
	}
	// The English card gets an English mail and English pages.
	b2 := h.browser()
	b2.signIn(cardB, passB, mailB)
	if m := h.inbox.Messages(mailB); len(m) != 1 || m[0].Subject != "Your member portal confirmation code" {
		t.Errorf("mails to %s: %+v", mailB, m)
	}
	if p := b2.get("/portal/"); !strings.Contains(p.body, "Card ending 9024") {
		t.Errorf("English home: %s", p.body)
	}
}

func TestSessionCookie(t *testing.T) { pg.ForEachEngine(t, testSessionCookie) }

func testSessionCookie(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.get("/portal/signin")
	b.post("/portal/signin", url.Values{"card": {cardA}, "password": {passA}})
	b.get("/portal/signin/code")
	p := b.post("/portal/signin/code", url.Values{"code": {h.code(mailA)}})
	var session *http.Cookie
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == "honnin_portal" {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("no session cookie set: %v", p.header["Set-Cookie"])
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/portal/" || session.MaxAge != 0 {
		t.Errorf("session cookie %+v", session)
	}
	// Only the hash is stored: the cookie value is not a key of the table.
	if _, err := h.store.PortalSession(t.Context(), []byte(session.Value)); err == nil {
		t.Error("the cookie value itself finds a session")
	}
	if _, err := h.store.PortalSession(t.Context(), hashID(session.Value)); err != nil {
		t.Errorf("the cookie's hash finds no session: %v", err)
	}
}

func TestSecureCookies(t *testing.T) { pg.ForEachEngine(t, testSecureCookies) }

func testSecureCookies(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	cfg := h.cfg
	cfg.SecureCookies = true
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := newRecorder()
	if err := s.startSession(w, httpRequest(t), h.cards[cardA].ID, h.cards[cardA].ID, "ja"); err == nil {
		t.Fatal("session for a person that does not exist")
	}
	person, err := h.store.EnsurePerson(t.Context(), h.cards[cardA].ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.startSession(w, httpRequest(t), person, h.cards[cardA].ID, "ja"); err != nil {
		t.Fatal(err)
	}
	c := w.Result().Cookies()
	if len(c) != 1 || c[0].Name != "__Host-honnin_portal" || !c[0].Secure || c[0].Path != "/" || !c[0].HttpOnly ||
		c[0].SameSite != http.SameSiteStrictMode || c[0].Domain != "" {
		t.Errorf("secure session cookie %+v", c)
	}
}

func TestSignInRefused(t *testing.T) { pg.ForEachEngine(t, testSignInRefused) }

func testSignInRefused(t *testing.T, e pgtest.Engine) {
	tests := []struct {
		name, card, password string
		status               int
		text                 string
	}{
		{"wrong password", cardA, "not-it", http.StatusUnauthorized, "カード番号またはパスワードが正しくありません"},
		{"unknown card", cardUnknown, passA, http.StatusUnauthorized, "カード番号またはパスワードが正しくありません"},
		{"card without portal password", cardC, "anything", http.StatusUnauthorized, "カード番号またはパスワードが正しくありません"},
		{"bad check digit", "3540123456789017", passA, http.StatusBadRequest, "カード番号を確認してください"},
		{"letters", "3540-abcd", passA, http.StatusBadRequest, "カード番号を確認してください"},
		{"empty password", cardA, "", http.StatusBadRequest, "パスワードを入力してください"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, e)
			b := h.browser()
			b.get("/portal/signin")
			p := b.post("/portal/signin", url.Values{"card": {tt.card}, "password": {tt.password}})
			if p.status != tt.status || !strings.Contains(p.body, tt.text) {
				t.Fatalf("%d, want %d with %q:\n%s", p.status, tt.status, tt.text, p.body)
			}
			// The card number stays in its field; the password does not.
			if !strings.Contains(p.body, `value="`+tt.card+`"`) || (tt.password != "" && strings.Contains(p.body, tt.password)) {
				t.Errorf("form not refilled as it should be:\n%s", p.body)
			}
			if n := len(h.inbox.Messages("")); n != 0 {
				t.Errorf("%d mails sent", n)
			}
			if b.get("/portal/").status != http.StatusSeeOther {
				t.Error("signed in after a refused sign-in")
			}
		})
	}
}

// TestSignInSameAnswer: a wrong password for an enrolled card and any
// password for an unknown card get the very same page.
func TestSignInSameAnswer(t *testing.T) { pg.ForEachEngine(t, testSignInSameAnswer) }

func testSignInSameAnswer(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.get("/portal/signin")
	known := b.post("/portal/signin", url.Values{"card": {cardA}, "password": {"wrong"}})
	unknown := b.post("/portal/signin", url.Values{"card": {cardUnknown}, "password": {"wrong"}})
	// Only the refilled card number differs.
	kb, ub := strings.ReplaceAll(known.body, cardA, "CARD"), strings.ReplaceAll(unknown.body, cardUnknown, "CARD")
	if known.status != unknown.status || kb != ub {
		t.Errorf("answers differ:\n%d %s\n---\n%d %s", known.status, known.body, unknown.status, unknown.body)
	}
}

func TestSignInCSRF(t *testing.T) { pg.ForEachEngine(t, testSignInCSRF) }

func testSignInCSRF(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	tests := []struct {
		name string
		prep func(b *browser) url.Values
	}{
		{"no token", func(b *browser) url.Values {
			b.get("/portal/signin")
			return url.Values{"card": {cardA}, "password": {passA}}
		}},
		{"no cookie", func(b *browser) url.Values {
			other := h.browser()
			other.get("/portal/signin")
			return url.Values{"card": {cardA}, "password": {passA}, "csrf": {other.csrf()}}
		}},
		{"forged token", func(b *browser) url.Values {
			b.get("/portal/signin")
			return url.Values{"card": {cardA}, "password": {passA}, "csrf": {"AAAA.BBBB"}}
		}},
		{"another browser's token", func(b *browser) url.Values {
			b.get("/portal/signin")
			other := h.browser()
			other.get("/portal/signin")
			return url.Values{"card": {cardA}, "password": {passA}, "csrf": {other.csrf()}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := h.browser()
			form := tt.prep(b)
			p := b.postRaw("/portal/signin", form)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, `id="error"`) {
				t.Errorf("%d:\n%s", p.status, p.body)
			}
		})
	}
	if n := len(h.inbox.Messages("")); n != 0 {
		t.Errorf("%d codes sent without a valid token", n)
	}
}

// TestSignInLock: 5 wrong passwords lock sign-in for the card for 15
// minutes, the right password included; an unknown card locks the same way.
func TestSignInLock(t *testing.T) { pg.ForEachEngine(t, testSignInLock) }

func testSignInLock(t *testing.T, e pgtest.Engine) {
	for _, card := range []string{cardA, cardUnknown} {
		t.Run(card, func(t *testing.T) {
			h := newHarness(t, e)
			b := h.browser()
			b.get("/portal/signin")
			for i := 1; i < MaxPasswordFailures; i++ {
				if p := b.post("/portal/signin", url.Values{"card": {card}, "password": {"wrong"}}); p.status != http.StatusUnauthorized {
					t.Fatalf("failure %d: %d", i, p.status)
				}
			}
			p := b.post("/portal/signin", url.Values{"card": {card}, "password": {"wrong"}})
			if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "12:15まで") ||
				p.header.Get("Retry-After") != strconv.Itoa(int(PasswordLock/time.Second)) {
				t.Fatalf("5th failure: %d Retry-After %q, want 429 until the lock ends\n%s", p.status, p.header.Get("Retry-After"), p.body)
			}
			h.clock.Add(PasswordLock - time.Second)
			p = b.post("/portal/signin", url.Values{"card": {card}, "password": {passA}})
			if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") != "1" {
				t.Fatalf("right password during the lock, its last second: %d Retry-After %q", p.status, p.header.Get("Retry-After"))
			}
			// Another card is not affected.
			if p := b.post("/portal/signin", url.Values{"card": {cardB}, "password": {passB}}); p.status != http.StatusSeeOther {
				t.Errorf("other card during the lock: %d", p.status)
			}
			h.clock.Add(time.Second)
			want := http.StatusSeeOther
			if card == cardUnknown {
				want = http.StatusUnauthorized
			}
			if p := b.post("/portal/signin", url.Values{"card": {card}, "password": {passA}}); p.status != want {
				t.Errorf("after the lock: %d, want %d", p.status, want)
			}
		})
	}
}

func TestSignInIPLimit(t *testing.T) { pg.ForEachEngine(t, testSignInIPLimit) }

func testSignInIPLimit(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.get("/portal/signin")
	// Malformed card numbers count too (and cost no argon2 work here).
	for i := 1; i <= MaxIPAttempts; i++ {
		if p := b.post("/portal/signin", url.Values{"card": {"3540123456789017"}, "password": {"x"}}); p.status != http.StatusBadRequest {
			t.Fatalf("attempt %d: %d", i, p.status)
		}
	}
	p := b.post("/portal/signin", url.Values{"card": {cardB}, "password": {passB}})
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "この接続元からの試行が多すぎます") {
		t.Fatalf("attempt %d: %d\n%s", MaxIPAttempts+1, p.status, p.body)
	}
	h.clock.Add(IPWindow)
	if p := b.post("/portal/signin", url.Values{"card": {cardB}, "password": {passB}}); p.status != http.StatusSeeOther {
		t.Errorf("after the window: %d", p.status)
	}
}

func TestSignInCode(t *testing.T) { pg.ForEachEngine(t, testSignInCode) }

func testSignInCode(t *testing.T, e pgtest.Engine) {
	start := func(t *testing.T) (*harness, *browser) {
		h := newHarness(t, e)
		b := h.browser()
		b.get("/portal/signin")
		if p := b.post("/portal/signin", url.Values{"card": {cardA}, "password": {passA}}); p.status != http.StatusSeeOther {
			t.Fatalf("password step: %d", p.status)
		}
		if p := b.get("/portal/signin/code"); !strings.Contains(p.body, "***@mail.jp") {
			t.Fatalf("code page: %s", p.body)
		}
		return h, b
	}
	wrong := func(code string) string {
		if code == "000000" {
			return "000001"
		}
		return "000000"
	}

	t.Run("full-width digits", func(t *testing.T) {
		h, b := start(t)
		code := h.code(mailA)
		full := strings.Map(func(r rune) rune { return r - '0' + '０' }, code)
		if p := b.post("/portal/signin/code", url.Values{"code": {full}}); p.status != http.StatusSeeOther || p.location != "/portal/" {
			t.Fatalf("%d %q", p.status, p.location)
		}
	})
	t.Run("hyphens and spaces", func(t *testing.T) {
		h, b := start(t)
		code := h.code(mailA)
		if p := b.post("/portal/signin/code", url.Values{"code": {" " + code[:3] + "-" + code[3:] + "\u3000"}}); p.status != http.StatusSeeOther || p.location != "/portal/" {
			t.Fatalf("%d %q", p.status, p.location)
		}
	})
	t.Run("the page states the policy", func(t *testing.T) {
		_, b := start(t)
		p := b.get("/portal/signin/code")
		for _, want := range []string{"6桁の確認コード", "確認コード（6桁）", "10分間有効", "5回間違えると", `maxlength="12"`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("code page lacks %q", want)
			}
		}
	})
	t.Run("not a code costs no try", func(t *testing.T) {
		h, b := start(t)
		code := h.code(mailA)
		// More of them than the tries (each counts toward the address's
		// limit, MaxIPAttempts, though).
		malformed := []string{"", "12345", "1234567", "12a456", "١٢٣٤٥٦", "123_456"}
		if len(malformed) <= onetime.PortalSignIn.Tries {
			t.Fatalf("%d malformed codes do not outnumber the %d tries", len(malformed), onetime.PortalSignIn.Tries)
		}
		for _, typed := range malformed {
			if p := b.post("/portal/signin/code", url.Values{"code": {typed}}); p.status != http.StatusBadRequest ||
				!strings.Contains(p.body, "確認コードは6桁の数字です") {
				t.Fatalf("%q: %d\n%s", typed, p.status, p.body)
			}
		}
		p := b.post("/portal/signin/code", url.Values{"code": {wrong(code)}})
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "あと4回") {
			t.Fatalf("first wrong code after malformed ones: %d\n%s", p.status, p.body)
		}
	})
	t.Run("wrong then right", func(t *testing.T) {
		h, b := start(t)
		code := h.code(mailA)
		p := b.post("/portal/signin/code", url.Values{"code": {wrong(code)}})
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "あと4回") {
			t.Fatalf("wrong code: %d\n%s", p.status, p.body)
		}
		if p := b.post("/portal/signin/code", url.Values{"code": {code}}); p.status != http.StatusSeeOther {
			t.Fatalf("right code: %d", p.status)
		}
	})
	t.Run("five wrong", func(t *testing.T) {
		h, b := start(t)
		code := h.code(mailA)
		for i := 1; i < onetime.PortalSignIn.Tries; i++ {
			b.post("/portal/signin/code", url.Values{"code": {wrong(code)}})
		}
		if p := b.post("/portal/signin/code", url.Values{"code": {wrong(code)}}); p.status != http.StatusGone {
			t.Fatalf("5th wrong code: %d", p.status)
		}
		if p := b.post("/portal/signin/code", url.Values{"code": {code}}); p.status != http.StatusGone {
			t.Fatalf("right code after 5 wrong: %d", p.status)
		}
	})
	t.Run("expired", func(t *testing.T) {
		h, b := start(t)
		h.clock.Add(onetime.PortalSignIn.Lifetime)
		if p := b.post("/portal/signin/code", url.Values{"code": {h.code(mailA)}}); p.status != http.StatusGone || !strings.Contains(p.body, "有効期限") {
			t.Fatalf("expired code: %d\n%s", p.status, p.body)
		}
		if p := b.get("/portal/signin/code"); p.status != http.StatusSeeOther {
			t.Errorf("code page after expiry: %d", p.status)
		}
	})
	t.Run("reused", func(t *testing.T) {
		h, b := start(t)
		name, _ := h.portal.pendingCookie("signin")
		u, _ := url.Parse(h.srv.URL + "/portal/")
		var handle *http.Cookie
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == name {
				handle = c
			}
		}
		code := h.code(mailA)
		if p := b.post("/portal/signin/code", url.Values{"code": {code}}); p.status != http.StatusSeeOther {
			t.Fatalf("first use: %d", p.status)
		}
		// A second browser replays the handle and the code.
		other := h.browser()
		other.get("/portal/signin")
		other.client.Jar.SetCookies(u, []*http.Cookie{handle})
		if p := other.post("/portal/signin/code", url.Values{"code": {code}}); p.status != http.StatusGone {
			t.Fatalf("replayed code: %d", p.status)
		}
		if other.get("/portal/").status != http.StatusSeeOther {
			t.Error("replay signed in")
		}
	})
	t.Run("no pending code", func(t *testing.T) {
		h := newHarness(t, e)
		b := h.browser()
		b.get("/portal/signin")
		if p := b.post("/portal/signin/code", url.Values{"code": {"123456"}}); p.status != http.StatusGone {
			t.Fatalf("code without a password step: %d", p.status)
		}
	})
}

func TestSessionExpiry(t *testing.T) { pg.ForEachEngine(t, testSessionExpiry) }

func testSessionExpiry(t *testing.T, e pgtest.Engine) {
	t.Run("idle", func(t *testing.T) {
		h := newHarness(t, e)
		b := h.browser()
		b.signIn(cardA, passA, mailA)
		h.clock.Add(IdleTimeout - time.Second)
		if p := b.get("/portal/"); p.status != http.StatusOK {
			t.Fatalf("before the idle end: %d", p.status)
		}
		h.clock.Add(IdleTimeout)
		p := b.get("/portal/message")
		if p.status != http.StatusSeeOther || p.location != "/portal/signin?expired=1" {
			t.Fatalf("after the idle end: %d %q", p.status, p.location)
		}
		if p := b.get(p.location); !strings.Contains(p.body, "一定時間操作がなかったため") {
			t.Errorf("sign-in page does not say why: %s", p.body)
		}
	})
	t.Run("absolute", func(t *testing.T) {
		h := newHarness(t, e)
		b := h.browser()
		b.signIn(cardA, passA, mailA)
		for elapsed := time.Duration(0); elapsed < AbsoluteTimeout-IdleTimeout; elapsed += IdleTimeout - time.Minute {
			h.clock.Add(IdleTimeout - time.Minute)
			if p := b.get("/portal/"); p.status != http.StatusOK {
				t.Fatalf("active session ended after %v: %d", elapsed, p.status)
			}
		}
		h.clock.Add(IdleTimeout)
		if p := b.get("/portal/"); p.status != http.StatusSeeOther {
			t.Fatalf("session alive past %v: %d", AbsoluteTimeout, p.status)
		}
	})
	t.Run("POST after expiry changes nothing", func(t *testing.T) {
		h := newHarness(t, e)
		b := h.browser()
		b.signIn(cardA, passA, mailA)
		b.get("/portal/message")
		h.clock.Add(IdleTimeout)
		if p := b.post("/portal/message", url.Values{"message": {"新しいメッセージ"}}); p.status != http.StatusSeeOther ||
			!strings.HasPrefix(p.location, "/portal/signin") {
			t.Fatalf("POST after expiry: %d %q", p.status, p.location)
		}
		if c := h.card(cardA); c.PersonalMessage != provisionalMsg {
			t.Errorf("message changed to %q", c.PersonalMessage)
		}
	})
}

func TestSignOut(t *testing.T) { pg.ForEachEngine(t, testSignOut) }

func testSignOut(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	p := b.post("/portal/signout", nil)
	if p.status != http.StatusSeeOther || p.location != "/portal/signin?bye=1" {
		t.Fatalf("sign-out: %d %q", p.status, p.location)
	}
	if p := b.get("/portal/"); p.status != http.StatusSeeOther {
		t.Errorf("still signed in: %d", p.status)
	}
}

// TestSignInMailDown: when the code mail cannot be sent the page says so
// and nobody is signed in.
func TestSignInMailDown(t *testing.T) { pg.ForEachEngine(t, testSignInMailDown) }

func testSignInMailDown(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	h.sink.Close()
	b := h.browser()
	b.get("/portal/signin")
	p := b.post("/portal/signin", url.Values{"card": {cardA}, "password": {passA}})
	if p.status != http.StatusServiceUnavailable || !strings.Contains(p.body, "確認コードのメールを送信できませんでした") {
		t.Fatalf("%d\n%s", p.status, p.body)
	}
	if p := b.get("/portal/signin/code"); p.status != http.StatusSeeOther {
		t.Errorf("code page without a sent code: %d", p.status)
	}
}

// TestSignInNoEmail: a card without an address cannot get the code; the
// page says so (only after the right password).
func TestSignInNoEmail(t *testing.T) { pg.ForEachEngine(t, testSignInNoEmail) }

func testSignInNoEmail(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	const card = "3540123456789040"
	n, err := pan.Parse(card)
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.store.UpsertCardholder(t.Context(), issuer.Cardholder{PANHMAC: h.pan.Sum(n), Last4: n.Last4(),
		Phone: "+819012345678", PreferredMethod: "sms", PersonalMessage: provisionalMsg, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.SetPortalPassword(t.Context(), c.ID, testHashes()[passA], "test", t0); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.get("/portal/signin")
	if p := b.post("/portal/signin", url.Values{"card": {card}, "password": {"wrong"}}); p.status != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", p.status)
	}
	if p := b.post("/portal/signin", url.Values{"card": {card}, "password": {passA}}); p.status != http.StatusConflict ||
		!strings.Contains(p.body, "メールアドレスが登録されていない") {
		t.Errorf("right password: %d\n%s", p.status, p.body)
	}
}
