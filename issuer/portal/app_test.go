package portal

import (
	"context"
	"encoding/base32"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store/pgtest"
	"github.com/honnin/honnin/issuer/totp"
)

var (
	regPassword = regexp.MustCompile(`(?:Registration password: |登録用パスワード：)([2-9A-Z]{10})`)
	regID       = regexp.MustCompile(`id="reg-id">(\d{5} \d{5})<`)
	shownSecret = regexp.MustCompile(`id="secret">([A-Z2-7 ]+)<`)
)

func (h *harness) regPassword(addr string) string {
	h.t.Helper()
	msgs := h.inbox.Messages(addr)
	for _, m := range msgs {
		if p := regPassword.FindStringSubmatch(m.Text); p != nil {
			return p[1]
		}
	}
	h.t.Fatalf("no registration password mailed to %s", addr)
	return ""
}

// TestAppRegistrationQR: the page issues an ID and mails the password; the
// password typed here shows the QR and the secret once; the secret's codes
// are the stored app's; the registration cannot be used again.
func TestAppRegistrationQR(t *testing.T) { pg.ForEachEngine(t, testAppRegistrationQR) }

func testAppRegistrationQR(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	p := b.get("/portal/app")
	if !strings.Contains(p.body, "登録されていません") || strings.Contains(p.body, `id="reg-id"`) {
		t.Errorf("app page before:\n%s", p.body)
	}
	if p = b.post("/portal/app/issue", nil); p.status != http.StatusSeeOther {
		t.Fatalf("issue: %d\n%s", p.status, p.body)
	}
	p = b.get("/portal/app")
	id := regID.FindStringSubmatch(p.body)
	if id == nil || !strings.Contains(p.body, "***@mail.jp") {
		t.Fatalf("no registration ID on the page:\n%s", p.body)
	}
	pw := h.regPassword(mailA)
	if p := b.post("/portal/app/register", form("password", "WRONGPASS2")); p.status != http.StatusBadRequest ||
		!strings.Contains(p.body, "正しくないか") {
		t.Errorf("wrong password: %d", p.status)
	}
	if p := b.post("/portal/app/register", form("password", "")); p.status != http.StatusBadRequest {
		t.Errorf("no password: %d", p.status)
	}
	p = b.post("/portal/app/register", form("password", strings.ToLower(pw)))
	if p.status != http.StatusOK || !strings.Contains(p.body, `src="data:image/png;base64,`) || !strings.Contains(p.body, "otpauth://totp/") {
		t.Fatalf("register: %d\n%s", p.status, p.body)
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("secret page Cache-Control %q", p.header.Get("Cache-Control"))
	}
	m := shownSecret.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no secret on the page")
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ReplaceAll(m[1], " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	apps := h.creds(cardA, issuer.MethodApp)
	if len(apps) != 1 || apps[0].State != issuer.CredActive {
		t.Fatalf("apps after: %+v", apps)
	}
	seed, err := h.vault.Open(apps[0].Seed, []byte("cred:"+apps[0].PublicID))
	if err != nil {
		t.Fatal(err)
	}
	step := totp.Step(h.clock.Now(), 60)
	shown, _ := totp.Code(totp.Params{Secret: secret, Digits: 6, Period: 60, Algorithm: "SHA1"}, step)
	stored, _ := totp.Code(totp.Params{Secret: seed, Digits: 6, Period: 60, Algorithm: "SHA1"}, step)
	if shown == "" || shown != stored {
		t.Errorf("the shown secret's code %q is not the stored app's %q", shown, stored)
	}
	if !strings.Contains(p.body, `href="/portal/method/confirm?method=app"`) {
		t.Error("no way on to make the app the method")
	}
	if p := b.post("/portal/app/register", form("password", pw)); p.status != http.StatusGone {
		t.Errorf("second use: %d, want 410", p.status)
	}
	// With the app registered, the method page offers it ready.
	if p := b.get("/portal/method/confirm?method=app"); p.status != http.StatusOK || !strings.Contains(p.body, `id="confirm"`) {
		t.Errorf("confirm app after registration: %d", p.status)
	}
}

// registerApp registers an app for card A through the page.
func registerApp(t *testing.T, h *harness, b *browser) {
	t.Helper()
	b.get("/portal/app")
	b.post("/portal/app/issue", nil)
	b.get("/portal/app")
	if p := b.post("/portal/app/register", form("password", h.regPassword(mailA))); p.status != http.StatusOK {
		t.Fatalf("register: %d", p.status)
	}
}

// TestAppLost: the lost phone's app is revoked from here alone and a new
// registration is issued at once.
func TestAppLost(t *testing.T) { pg.ForEachEngine(t, testAppLost) }

func testAppLost(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	registerApp(t, h, b)
	old := h.creds(cardA, issuer.MethodApp)[0]
	before := len(h.inbox.Messages(mailA))
	b.get("/portal/app")
	if p := b.post("/portal/app/lost", nil); p.status != http.StatusSeeOther {
		t.Fatalf("lost: %d", p.status)
	}
	got, err := h.store.CredentialByPublicID(context.Background(), old.PublicID)
	if err != nil || got.State != issuer.CredRevoked || got.LockReason != issuer.LockLost {
		t.Errorf("old app %+v, %v; want revoked lost", got, err)
	}
	if n := len(h.inbox.Messages(mailA)); n != before+1 {
		t.Errorf("%d new mails, want the new registration password", n-before)
	}
	p := b.get("/portal/app")
	if !regID.MatchString(p.body) || !strings.Contains(p.body, `id="flash"`) {
		t.Errorf("app page after loss:\n%s", p.body)
	}
	if p := b.post("/portal/app/lost", nil); p.status != http.StatusConflict {
		t.Errorf("lost with no app: %d", p.status)
	}
}

// TestAppRelease: release gives the app up; the page warns when the app
// was the method; releasing nothing is refused.
func TestAppRelease(t *testing.T) { pg.ForEachEngine(t, testAppRelease) }

func testAppRelease(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	registerApp(t, h, b)
	if err := h.store.SetPreferredMethod(context.Background(), h.cards[cardA].ID, issuer.MethodApp, "cardholder", h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	p := b.get("/portal/app")
	if !strings.Contains(p.body, "解除後は新しいアプリを登録するか") {
		t.Errorf("no warning before releasing the method's app")
	}
	if p := b.post("/portal/app/release", nil); p.status != http.StatusSeeOther {
		t.Fatalf("release: %d", p.status)
	}
	if apps := h.creds(cardA, issuer.MethodApp); len(apps) != 0 {
		t.Errorf("apps after release: %+v", apps)
	}
	p = b.get("/portal/app")
	if !strings.Contains(p.body, `id="no-app"`) {
		t.Errorf("no nag for a method without its app:\n%s", p.body)
	}
	if p := b.post("/portal/app/release", nil); p.status != http.StatusConflict {
		t.Errorf("release with no app: %d", p.status)
	}
}

// TestMethodPostsNeedCSRF: every POST of these pages without the token is
// 403 and changes nothing.
func TestMethodPostsNeedCSRF(t *testing.T) { pg.ForEachEngine(t, testMethodPostsNeedCSRF) }

func testMethodPostsNeedCSRF(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	importTestTokens(t, h, cardA, "HNT9000000001")
	tok := credForm(h.token(cardA, "HNT9000000001"))
	for _, c := range []struct{ path, field, value string }{
		{"/portal/method", "method", "sms"},
		{"/portal/contact/email", "value", "evil@mail.example"},
		{"/portal/contact/email/verify", "code", "123456"},
		{"/portal/contact/email/resend", "", ""},
		{"/portal/app/issue", "", ""},
		{"/portal/app/register", "password", "ABCDEFGHJK"},
		{"/portal/app/release", "", ""},
		{"/portal/app/lost", "", ""},
		{"/portal/tokens/lock", "cred", tok},
		{"/portal/tokens/unlock", "cred", tok},
		{"/portal/tokens/lost", "cred", tok},
	} {
		for _, csrf := range []string{"", "forged"} {
			f := form(c.field, c.value)
			f.Set("csrf", csrf)
			if p := b.postRaw(c.path, f); p.status != http.StatusForbidden {
				t.Errorf("%s with csrf %q: %d, want 403", c.path, csrf, p.status)
			}
		}
	}
	c := h.card(cardA)
	if c.PreferredMethod != issuer.MethodEmail || c.Email != mailA || len(h.inbox.Messages("evil@mail.example")) != 0 {
		t.Errorf("a forged POST changed the card: %+v", c)
	}
	if got := h.token(cardA, "HNT9000000001"); got.State != issuer.CredActive {
		t.Errorf("a forged POST changed the token: %s", got.State)
	}
	if _, err := h.store.PendingAppRegistration(context.Background(), c.ID, h.clock.Now()); err == nil {
		t.Error("a forged POST issued an app registration")
	}
}

// TestAppReplacesPassword: registering an app revokes the static password
// (seed 000), so a card whose method was the password moves to the app.
func TestAppReplacesPassword(t *testing.T) { pg.ForEachEngine(t, testAppReplacesPassword) }

func testAppReplacesPassword(t *testing.T, e pgtest.Engine) {
	h, b := signedInA(t, e)
	ctx := context.Background()
	if _, err := h.store.SetPassword(ctx, h.cards[cardA].ID, "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := h.store.SetPreferredMethod(ctx, h.cards[cardA].ID, issuer.MethodPassword, "cardholder", h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/portal/method"); !strings.Contains(p.body, `id="m-password" checked`) {
		t.Errorf("method page does not show the password as the method")
	}
	registerApp(t, h, b)
	if m := h.method(cardA); m != issuer.MethodApp {
		t.Errorf("method %s after the app replaced the password, want app", m)
	}
	if pw := h.creds(cardA, issuer.MethodPassword); len(pw) != 0 {
		t.Errorf("password credential left: %+v", pw)
	}
}

// TestAppWithoutRegistrar: an issuer that registers no apps offers no
// registration, and its routes are not there.
func TestAppWithoutRegistrar(t *testing.T) { pg.ForEachEngine(t, testAppWithoutRegistrar) }

func testAppWithoutRegistrar(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	if p := b.get("/portal/app"); p.status != http.StatusOK || strings.Contains(p.body, `id="issue"`) {
		t.Errorf("app page offers a registration without a registrar: %d", p.status)
	}
	for _, path := range []string{"/portal/app/issue", "/portal/app/register"} {
		if p := b.post(path, form("password", "ABCDEFGHJK")); p.status != http.StatusNotFound {
			t.Errorf("%s without a registrar: %d, want 404", path, p.status)
		}
	}
}
