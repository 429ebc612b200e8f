package portal

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/outbox"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

// operatorMail is where the harness's issuer tells its operator of fraud
// reports.
const operatorMail = "ops@issuer.example"

// withFraud rebuilds the portal with the use cases behind its "this was
// not me" (acs.Service over the harness's store, notices through the
// outbox to the harness's SMTP sink, the operator at operatorMail) and
// returns the outbox, for the test to deliver.
func (h *harness) withFraud() *outbox.Outbox {
	h.t.Helper()
	ctx := context.Background()
	dir := filepath.Join(h.t.TempDir(), "keys")
	if err := challenge.GenerateKeys(dir, challenge.KEMXWing); err != nil {
		h.t.Fatal(err)
	}
	keys, err := challenge.LoadIssuerKeys(dir)
	if err != nil {
		h.t.Fatal(err)
	}
	av, err := acs.AVRing{Store: h.store, Vault: h.vault}.Load(ctx, t0)
	if err != nil {
		h.t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	box := outbox.New(h.store, h.vault, h.cfg.Mail.(*dispatch.Mailer), quiet, h.clock.Now)
	svc, err := acs.New(acs.Config{Store: h.store, Keys: keys, PAN: h.pan, Vault: h.vault, Mail: box, AV: av,
		EdgeURL: "http://127.0.0.1:8787", IssuerName: "Honnin Card", Log: quiet, Now: h.clock.Now,
		Operator: acs.Operator{Email: operatorMail}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.cfg.Fraud = svc
	if h.portal, err = New(h.cfg); err != nil {
		h.t.Fatal(err)
	}
	return box
}

func TestReportFraud(t *testing.T) { pg.ForEachEngine(t, testReportFraud) }

// testReportFraud: a row of the history reports its authentication once,
// with the CSRF token; another card's authentication, an unknown one, a
// second report and a form without the token are refused with a page that
// says so, and change nothing.
func testReportFraud(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	box := h.withFraud()
	ctx := t.Context()
	m, err := h.store.CreateMerchant(ctx, issuer.Merchant{Name: "Demo Shop", APIKeyHash: []byte("k"),
		Origins: []string{"http://localhost:8080"}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	create := func(card, shop string) string {
		a, err := h.store.CreateAuthentication(ctx, issuer.Authentication{MerchantID: m.ID, CardholderID: h.cards[card].ID,
			Amount: 4800, Currency: "JPY", MerchantName: shop, MerchantOrigin: "http://localhost:8080", Status: "Y", CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	mine, other := create(cardA, "Tea Room"), create(cardA, "Book Shop")
	theirs := create(cardB, "Card B Shop")

	b := h.browser()
	b.signIn(cardA, passA, mailA)
	p := b.get("/portal/history")
	// Each row has its button, named for the purchase (not only "this was
	// not me" twenty times over for a screen reader).
	if n := strings.Count(p.body, `class="secondary not-me"`); n != 2 ||
		!strings.Contains(p.body, `aria-label="身に覚えがない：Tea Room、2026年11月22日 12:00、4,800円">身に覚えがない</button>`) ||
		!strings.Contains(p.body, `id="report-note"`) {
		t.Fatalf("history before any report (%d buttons):\n%s", n, p.body)
	}

	reported := func() map[string]bool {
		out := map[string]bool{}
		for _, c := range []string{cardA, cardB} {
			got, err := h.store.FraudReported(ctx, h.cards[c].ID, []string{mine, other, theirs})
			if err != nil {
				t.Fatal(err)
			}
			for id := range got {
				out[id] = true
			}
		}
		return out
	}

	// Refused, nothing changed.
	for _, tt := range []struct {
		name   string
		form   url.Values
		raw    bool // without the CSRF token
		status int
		want   string
	}{
		{"no CSRF token", url.Values{"id": {mine}}, true, http.StatusForbidden, "確認用のトークンがありません"},
		{"another card's", url.Values{"id": {theirs}}, false, http.StatusNotFound, "このカードのご利用履歴にないため、報告できませんでした"},
		{"unknown", url.Values{"id": {"NOSUCHAUTHENTICATION000000"}}, false, http.StatusNotFound, "報告できませんでした"},
		{"no id", url.Values{}, false, http.StatusBadRequest, "入力内容が正しくありません"},
		{"bad page", url.Values{"id": {mine}, "page": {"0"}}, false, http.StatusBadRequest, "入力内容が正しくありません"},
	} {
		var p page
		if tt.raw {
			p = b.postRaw("/portal/history/report", tt.form)
		} else {
			p = b.post("/portal/history/report", tt.form)
		}
		if p.status != tt.status || !strings.Contains(p.body, tt.want) {
			t.Errorf("%s: %d, want %d and %q\n%s", tt.name, p.status, tt.status, tt.want, p.body)
		}
		if got := reported(); len(got) != 0 {
			t.Fatalf("%s: reported %v", tt.name, got)
		}
	}

	// The report: back to the history, which says what happens next and
	// marks the row in words.
	p = b.post("/portal/history/report", url.Values{"id": {mine}, "page": {"1"}})
	if p.status != http.StatusSeeOther || p.location != "/portal/history" {
		t.Fatalf("report: %d %q\n%s", p.status, p.location, p.body)
	}
	p = b.get("/portal/history")
	row := regexp.MustCompile(`<tr id="auth-` + mine + `">.*?</tr>`).FindString(strings.ReplaceAll(p.body, "\n", " "))
	if !strings.Contains(row, `<span class="tag reported">報告済み</span>`) || strings.Contains(row, "<button") {
		t.Errorf("reported row: %q", row)
	}
	if !strings.Contains(p.body, `role="status" id="flash">ご報告を受け付けました。`) ||
		!strings.Contains(p.body, "ワンタイムパスワードの入力をお願いします") || !strings.Contains(p.body, "カード会社へご連絡ください") {
		t.Errorf("no status message after the report:\n%s", p.body)
	}
	if n := strings.Count(p.body, `class="secondary not-me"`); n != 1 {
		t.Errorf("%d buttons left, want 1 (the other row's)", n)
	}
	if got := reported(); len(got) != 1 || !got[mine] {
		t.Errorf("reported = %v, want %s only", got, mine)
	}

	// Twice: refused.
	p = b.post("/portal/history/report", url.Values{"id": {mine}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "すでに報告済みです") {
		t.Errorf("second report: %d\n%s", p.status, p.body)
	}
	list, err := h.store.DenyList(ctx)
	if err != nil || len(list) != 1 || list[0].Kind != store.DenyMerchant || list[0].AuthenticationID != mine {
		t.Errorf("deny list = %+v, %v", list, err)
	}

	// In English, the words change with the session's language.
	b.get("/portal/lang?to=en&next=/portal/history")
	p = b.get("/portal/history")
	if !strings.Contains(p.body, `<span class="tag reported">Reported</span>`) ||
		!strings.Contains(p.body, `aria-label="This was not me: Book Shop, 2026-11-22 12:00 JST, ¥4,800">This was not me</button>`) {
		t.Errorf("English history:\n%s", p.body)
	}

	// The operator hears of it once, through the outbox.
	if _, err := box.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := h.inbox.Messages(operatorMail)
	if len(msgs) != 1 || msgs[0].Subject != "Fraud report: card ending 9016, authentication "+mine ||
		!strings.Contains(msgs[0].Text, "Tea Room") {
		t.Errorf("operator mails: %+v", msgs)
	}
}

// TestNoFraudReporter: a portal without the use case offers no button and
// has no report route.
func TestNoFraudReporter(t *testing.T) {
	h := newHarness(t, pg.Engine(t, pgtest.SQLite))
	m, err := h.store.CreateMerchant(t.Context(), issuer.Merchant{Name: "Demo Shop", APIKeyHash: []byte("k"),
		Origins: []string{"http://localhost:8080"}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.store.CreateAuthentication(t.Context(), issuer.Authentication{MerchantID: m.ID, CardholderID: h.cards[cardA].ID,
		Amount: 4800, Currency: "JPY", MerchantName: "Tea Room", MerchantOrigin: "http://localhost:8080", Status: "Y", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.signIn(cardA, passA, mailA)
	if p := b.get("/portal/history"); strings.Contains(p.body, "not-me") || strings.Contains(p.body, "report-note") {
		t.Errorf("a button without a reporter:\n%s", p.body)
	}
	if p := b.post("/portal/history/report", url.Values{"id": {a.ID}}); p.status != http.StatusNotFound {
		t.Errorf("report without a reporter: %d", p.status)
	}
}
