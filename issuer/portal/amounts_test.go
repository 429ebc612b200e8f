package portal

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store/pgtest"
	clientview "github.com/honnin/honnin/wasm/view"
)

// TestAmountsAgree: for every currency a purchase can be priced in, at both
// bounds of an amount and between them, the four places a cardholder reads
// an amount write the same minor units the same way, in Japanese and in
// English: the challenge screen (the wasm client's view model), the code
// mail (sent through real SMTP, text and HTML parts), the code SMS, and the
// portal's history (rendered from a real store). Before edge/money the
// screen showed "1,250 MXN" where the mail said "12.50 MXN", and neither
// knew TND and OMR have three decimals.
//
// It lives in the portal's tests because the history is only reachable
// through the portal's harness; the other three are public APIs. The
// imports are the test's only: no production package imports another for
// this.
func TestAmountsAgree(t *testing.T) { pg.ForEachEngine(t, testAmountsAgree) }

func testAmountsAgree(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	ctx := t.Context()
	type purchase struct {
		code  string
		minor int64
	}
	var all []purchase
	for code := range money.Codes() {
		for _, minor := range []int64{1, 1250, money.MaxAmount} {
			all = append(all, purchase{code, minor})
		}
	}
	name := func(p purchase) string { return fmt.Sprintf("Shop %s %d", p.code, p.minor) }

	m, err := h.store.CreateMerchant(ctx, issuer.Merchant{Name: "Demo Shop", APIKeyHash: []byte("k"),
		Origins: []string{"http://localhost:8080"}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range all {
		if _, err := h.store.CreateAuthentication(ctx, issuer.Authentication{MerchantID: m.ID, CardholderID: h.cards[cardA].ID,
			Amount: p.minor, Currency: p.code, MerchantName: name(p), MerchantOrigin: "http://localhost:8080",
			Status: "Y", CreatedAt: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	b := h.browser()
	b.signIn(cardA, passA, mailA) // a Japanese card: the portal starts in Japanese

	for _, locale := range []string{"ja", "en"} {
		if locale == "en" {
			b.get("/portal/lang?to=en&next=/portal/history")
		}
		history := historyAmounts(t, b, len(all))
		for _, p := range all {
			screen := screenAmount(t, clientview.Locale(locale), p.code, p.minor)
			mailText, mailHTML := mailAmount(t, h, locale, p.code, p.minor)
			text := smsAmount(t, locale, p.code, p.minor)
			if mailText != screen || text != screen || history[name(p)] != screen {
				t.Errorf("%d %s in %s: screen %q, mail %q, SMS %q, portal %q", p.minor, p.code, locale,
					screen, mailText, text, history[name(p)])
			}
			if !strings.Contains(mailHTML, ">"+html.EscapeString(screen)+"<") {
				t.Errorf("%d %s in %s: the mail's HTML part lacks %q", p.minor, p.code, locale, screen)
			}
		}
	}

	// And what they agree on is right: the cases of the issue.
	for _, tt := range []struct {
		code   string
		minor  int64
		locale clientview.Locale
		want   string
	}{
		{"MXN", 1250, clientview.Japanese, "12.50 MXN"},
		{"MXN", 1250, clientview.English, "MXN 12.50"},
		{"JPY", 1250, clientview.Japanese, "1,250円"},
		{"JPY", 1250, clientview.English, "¥1,250"},
		{"TND", 1, clientview.English, "TND 0.001"},
		{"OMR", money.MaxAmount, clientview.Japanese, "999,999,999.999 OMR"},
	} {
		if got := screenAmount(t, tt.locale, tt.code, tt.minor); got != tt.want {
			t.Errorf("%d %s in %s = %q, want %q", tt.minor, tt.code, tt.locale, got, tt.want)
		}
	}
}

// screenAmount is #amount on the challenge screen after the edge answered
// /v1/start with a purchase of minor units of code.
func screenAmount(t *testing.T, locale clientview.Locale, code string, minor int64) string {
	t.Helper()
	m := clientview.New(locale)
	if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(contract.Screen{State: contract.StateChallenge, ChallengeToken: "ct", MerchantOrigin: "http://localhost:8080",
		Display: &contract.Display{Merchant: "Shop", Amount: minor, Currency: code, Date: t0, Last4: "9016",
			Method: "email", Dest: "***@mail.jp", ExpiresAt: t0.Add(10 * time.Minute), AttemptsLeft: 5,
			ResendAfter: t0.Add(30 * time.Second), ResendsLeft: 3, Delivery: "sent"}})
	if err != nil {
		t.Fatal(err)
	}
	m.Apply(http.StatusOK, body)
	s := m.Screen(t0)
	if s.Phase != clientview.Challenge || !s.ShowSummary {
		t.Fatalf("%d %s: the screen is %v without the purchase", minor, code, s.Phase)
	}
	return s.Amount
}

var (
	mailAmountLine = map[string]*regexp.Regexp{
		"en": regexp.MustCompile(`(?m)^  Amount:   (.*)$`),
		"ja": regexp.MustCompile(`(?m)^　ご利用金額：(.*)$`),
	}
	smsAmountLine = map[string]*regexp.Regexp{
		"en": regexp.MustCompile(` for Shop (.*) on [A-Z][a-z]{2} \d+ \d\d:\d\d JST\.`),
		"ja": regexp.MustCompile(`(?m)^Shop (.*) \d+/\d+ \d\d:\d\d$`),
	}
)

// mailAmount sends the code mail of a purchase through the harness's SMTP
// sink and returns the amount line of its text part, and its HTML part.
func mailAmount(t *testing.T, h *harness, locale, code string, minor int64) (line, htmlPart string) {
	t.Helper()
	to := fmt.Sprintf("%s-%d-%s@mail.example", strings.ToLower(code), minor, locale)
	mailer, ok := h.cfg.Mail.(*dispatch.Mailer) // the harness's, to its sink
	if !ok {
		t.Fatalf("the harness's mailer is a %T", h.cfg.Mail)
	}
	if err := mailer.SendCode(t.Context(), dispatch.CodeMail{To: to, Locale: locale, Code: "123456", Merchant: "Shop",
		Amount: minor, Currency: code, At: t0, IssuerName: "Honnin Card"}); err != nil {
		t.Fatalf("%d %s in %s: %v", minor, code, locale, err)
	}
	msgs := h.inbox.Messages(to)
	if len(msgs) != 1 {
		t.Fatalf("%d %s in %s: %d mails", minor, code, locale, len(msgs))
	}
	m := mailAmountLine[locale].FindStringSubmatch(strings.ReplaceAll(msgs[0].Text, "\r\n", "\n"))
	if m == nil {
		t.Fatalf("%d %s in %s: no amount line in\n%s", minor, code, locale, msgs[0].Text)
	}
	return m[1], msgs[0].HTML
}

// smsAmount is the amount in the code SMS of a purchase.
func smsAmount(t *testing.T, locale, code string, minor int64) string {
	t.Helper()
	s := sms.Text(locale, sms.CodeText{Code: "123456", Merchant: "Shop", Amount: minor, Currency: code,
		IssuerName: "Honnin Card", MerchantHost: "shop.example", EdgeHost: "acs.example", At: t0})
	m := smsAmountLine[locale].FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%d %s in %s: no amount in\n%s", minor, code, locale, s)
	}
	return m[1]
}

var historyRowRE = regexp.MustCompile(`<td>([^<]*)</td><td class="num">([^<]*)</td>`)

// historyAmounts walks every page of the history and returns each row's
// amount by merchant name, as the cardholder reads it (unescaped).
func historyAmounts(t *testing.T, b *browser, n int) map[string]string {
	t.Helper()
	out := make(map[string]string, n)
	for page := 1; len(out) < n; page++ {
		p := b.get(fmt.Sprintf("/portal/history?page=%d", page))
		rows := historyRowRE.FindAllStringSubmatch(p.body, -1)
		if p.status != http.StatusOK || len(rows) == 0 {
			t.Fatalf("history page %d: %d, %d rows, %d of %d seen", page, p.status, len(rows), len(out), n)
		}
		for _, r := range rows {
			out[html.UnescapeString(r[1])] = html.UnescapeString(r[2])
		}
	}
	return out
}
