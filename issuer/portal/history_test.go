package portal

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store/pgtest"
)

func TestHistory(t *testing.T) { pg.ForEachEngine(t, testHistory) }

func testHistory(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	ctx := t.Context()
	m, err := h.store.CreateMerchant(ctx, issuer.Merchant{Name: "Demo Shop", APIKeyHash: []byte("k"),
		Origins: []string{"http://localhost:8080"}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	statuses := []struct{ status, reason string }{{"Y", ""}, {"N", "not_enrolled"}, {"R", "suspected_fraud"}, {"N", "wrong_code"}, {"C", ""}}
	// 25 of card A, one minute apart (the newest is i=24), and one of card B.
	for i := range 25 {
		st := statuses[i%len(statuses)]
		if _, err := h.store.CreateAuthentication(ctx, issuer.Authentication{MerchantID: m.ID, CardholderID: h.cards[cardA].ID,
			Amount: int64(1000 + i), Currency: "JPY", MerchantName: fmt.Sprintf("Shop %02d", i), MerchantOrigin: "http://localhost:8080",
			Status: st.status, Reason: st.reason, CreatedAt: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.store.CreateAuthentication(ctx, issuer.Authentication{MerchantID: m.ID, CardholderID: h.cards[cardB].ID,
		Amount: 777, Currency: "JPY", MerchantName: "Card B Shop", MerchantOrigin: "http://localhost:8080",
		Status: "Y", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}

	b := h.browser()
	b.signIn(cardA, passA, mailA)
	p := b.get("/portal/history")
	rows := regexp.MustCompile(`<tr id="auth-[A-Z0-9]+"><td>`).FindAllStringIndex(p.body, -1)
	if p.status != http.StatusOK || len(rows) != HistoryPageSize {
		t.Fatalf("page 1: %d, %d rows", p.status, len(rows))
	}
	first := `"><td>2026年11月22日 12:24</td><td>Shop 24</td><td class="num">1,024円</td><td>完了していません</td><td>—</td><td>—</td></tr>`
	if !strings.Contains(p.body, first) {
		t.Errorf("newest row is not first or not as shown:\n%s", p.body)
	}
	if strings.Contains(p.body, "Card B Shop") || !strings.Contains(p.body, `href="/portal/history?page=2"`) || strings.Contains(p.body, `rel="prev"`) {
		t.Errorf("page 1 links or rows wrong:\n%s", p.body)
	}
	for _, want := range []string{"認証済み", "本人認証なし（サービス停止中または未登録）", "不正利用の疑いでお断りしました", "完了していません"} {
		if !strings.Contains(p.body, "<td>"+want+"</td>") {
			t.Errorf("outcome %q not shown", want)
		}
	}
	p = b.get("/portal/history?page=2")
	if rows := regexp.MustCompile(`<tr id="auth-[A-Z0-9]+"><td>`).FindAllStringIndex(p.body, -1); len(rows) != 5 ||
		!strings.Contains(p.body, "<td>Shop 00</td>") || strings.Contains(p.body, `rel="next"`) {
		t.Errorf("page 2: %d rows\n%s", len(rows), p.body)
	}
	for _, bad := range []string{"0", "-1", "x", "1001"} {
		if p := b.get("/portal/history?page=" + bad); p.status != http.StatusBadRequest {
			t.Errorf("page=%s: %d", bad, p.status)
		}
	}

	// In English, amounts and dates follow the session's language.
	b.get("/portal/lang?to=en&next=/portal/history")
	p = b.get("/portal/history")
	if !strings.Contains(p.body, "<td>2026-11-22 12:24 JST</td><td>Shop 24</td><td class=\"num\">¥1,024</td>") {
		t.Errorf("English history:\n%s", p.body)
	}
}

func TestHistoryEmpty(t *testing.T) { pg.ForEachEngine(t, testHistoryEmpty) }

func testHistoryEmpty(t *testing.T, e pgtest.Engine) {
	h := newHarness(t, e)
	b := h.browser()
	b.signIn(cardB, passB, mailB)
	if p := b.get("/portal/history"); !strings.Contains(p.body, `id="history-empty"`) {
		t.Errorf("empty history:\n%s", p.body)
	}
}
