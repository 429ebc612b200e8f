package portal

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/testenv"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/devmail"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/store/pgtest"
	"github.com/honnin/honnin/issuer/vault"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// The test cards: A (ja) and B (en) have portal passwords; C is enrolled
// without one; unknown is a valid number that is not enrolled.
const (
	cardA, passA, mailA = "3540 1234 5678 9016", "portal-pass-9016", "taro@mail.jp"
	cardB, passB, mailB = "3540-1234-5678-9024", "portal-pass-9024", "hanako@mail.example"
	cardC               = "3540123456789032"
	cardUnknown         = "4111111111111111"
	provisionalMsg      = "仮のメッセージ / provisional"
)

// pg is this test binary's PostgreSQL cluster, started by the first
// harness on PostgreSQL.
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// harness is the portal over a real database (a SQLite file or a
// PostgreSQL database: every test runs on both, through pg.ForEachEngine)
// and a real SMTP sink (issuer/devmail), served by an httptest server.
type harness struct {
	t      testing.TB
	portal *Server
	srv    *httptest.Server
	store  *store.Store
	clock  *testenv.Clock
	inbox  *devmail.Store
	sink   *devmail.SMTPServer
	pan    *pan.Hasher
	vault  *vault.Vault
	cfg    Config
	// cards are the enrolled test cards by number as typed above.
	cards map[string]issuer.Cardholder
}

// testHashes are the portal password hashes, made once: argon2id is slow
// on purpose.
var testHashes = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	for _, p := range []string{passA, passB} {
		h, err := passhash.Hash(p)
		if err != nil {
			panic(err)
		}
		out[p] = h
	}
	return out
})

// newHarness returns a harness over a new database on e: a test gets e
// from pg.ForEachEngine, a benchmark from pg.Engine.
func newHarness(t testing.TB, e pgtest.Engine) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.Migrated(t, e, store.Open))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hasher, err := pan.NewHasher(bytes.Repeat([]byte{0x42}, pan.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(bytes.Repeat([]byte{0x24}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: st, clock: testenv.NewClock(t0), inbox: devmail.NewStore(0), pan: hasher, vault: v,
		cards: map[string]issuer.Cardholder{}}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := devmail.NewSMTPServer(h.inbox, devmail.SMTPConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	go sink.Serve(ln)
	t.Cleanup(func() { sink.Close() })
	h.sink = sink
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	portN, _ := strconv.Atoi(port)
	mailer, err := dispatch.NewMailer(dispatch.MailConfig{Host: host, Port: portN, From: "Honnin Card <no-reply@issuer.example>",
		TLS: dispatch.TLSNone, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ card, email, locale, pass string }{
		{cardA, mailA, "ja", passA},
		{cardB, mailB, "en", passB},
		{cardC, "c@mail.jp", "ja", ""},
	} {
		n, err := pan.Parse(c.card)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := st.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: hasher.Sum(n), Last4: n.Last4(), Email: c.email,
			Phone: "+819012341234", PersonalMessage: provisionalMsg, Locale: c.locale, Country: "JP", CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		if c.pass != "" {
			if err := st.SetPortalPassword(ctx, ch.ID, testHashes()[c.pass], "test", t0); err != nil {
				t.Fatal(err)
			}
		}
		h.cards[c.card] = ch
	}

	h.cfg = Config{Store: st, PAN: hasher, Vault: v, Mail: mailer, IssuerName: "Honnin Card", Now: h.clock.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h.portal, err = New(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Through a closure, so useBudget can replace the portal.
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.portal.ServeHTTP(w, r) }))
	t.Cleanup(h.srv.Close)
	return h
}

// useBudget rebuilds the portal over the same store with its own hashing
// budget, so a test can fill it. Call it while no request is in flight:
// the portal keeps its state in the store, the new one carries on.
func (h *harness) useBudget(b *passhash.Budget) {
	h.t.Helper()
	h.cfg.Hashing = b
	p, err := New(h.cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	h.portal = p
}

// browser is one cookie jar against the portal, following no redirects so
// tests see every 303.
type browser struct {
	h      *harness
	client *http.Client
	// last is the body of the newest page, for its CSRF token.
	last string
	// acceptLanguage is sent as Accept-Language when set, as a browser
	// sends its languages with every request.
	acceptLanguage string
}

func (h *harness) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return &browser{h: h, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer: status, Location and body.
type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.h.t.Helper()
	if b.acceptLanguage != "" && req.Header.Get("Accept-Language") == "" {
		req.Header.Set("Accept-Language", b.acceptLanguage)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	p := page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), header: resp.Header}
	// A catalogue text given the wrong arguments (its numbers come from
	// the policies: edge/onetime) shows fmt's complaint.
	if i := strings.Index(p.body, "%!"); i >= 0 {
		b.h.t.Errorf("%s %s: a text with the wrong arguments: %s", req.Method, req.URL.Path, p.body[i:min(len(p.body), i+60)])
	}
	if strings.Contains(p.body, `name="csrf"`) {
		b.last = p.body
	}
	return p
}

func (b *browser) get(path string) page {
	b.h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.h.srv.URL+path, nil)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return b.do(req)
}

// post sends form with the CSRF token of the newest page that had one.
func (b *browser) post(path string, form url.Values) page {
	b.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, set := form["csrf"]; !set {
		form.Set("csrf", b.csrf())
	}
	return b.postRaw(path, form)
}

// postRaw sends form exactly as given.
func (b *browser) postRaw(path string, form url.Values) page {
	b.h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) csrf() string {
	m := csrfField.FindStringSubmatch(b.last)
	if m == nil {
		b.h.t.Fatalf("no CSRF token on the last page")
	}
	return m[1]
}

var mailCode = regexp.MustCompile(`(?:Confirmation code: |確認コード：)(\d{6})`)

// code returns the newest portal code mailed to addr.
func (h *harness) code(addr string) string {
	h.t.Helper()
	msgs := h.inbox.Messages(addr) // newest first
	for _, msg := range msgs {
		if m := mailCode.FindStringSubmatch(msg.Text); m != nil {
			return m[1]
		}
	}
	h.t.Fatalf("no portal code mailed to %s (%d mails)", addr, len(msgs))
	return ""
}

// signIn signs b in with card and password through both steps and
// checks it lands on the home page.
func (b *browser) signIn(card, password, mail string) {
	b.h.t.Helper()
	b.get("/portal/signin")
	p := b.post("/portal/signin", url.Values{"card": {card}, "password": {password}})
	if p.status != http.StatusSeeOther || p.location != "/portal/signin/code" {
		b.h.t.Fatalf("password step: %d %q\n%s", p.status, p.location, p.body)
	}
	b.get("/portal/signin/code")
	p = b.post("/portal/signin/code", url.Values{"code": {b.h.code(mail)}})
	if p.status != http.StatusSeeOther || p.location != "/portal/" {
		b.h.t.Fatalf("code step: %d %q\n%s", p.status, p.location, p.body)
	}
	if p := b.get("/portal/"); p.status != http.StatusOK {
		b.h.t.Fatalf("home after sign-in: %d\n%s", p.status, p.body)
	}
}

// card returns the stored row of a test card.
func (h *harness) card(number string) issuer.Cardholder {
	h.t.Helper()
	c, err := h.store.Cardholder(context.Background(), h.cards[number].ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func httpRequest(t testing.TB) *http.Request {
	return httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/portal/", nil)
}
