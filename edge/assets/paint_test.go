package assets

import (
	"strconv"
	"strings"
	"testing"
)

// TestChallengePagePaints: a session with the purchase's details gets a
// page that shows them as text, in the client's words and formats, in the
// browser's language (the card's when the browser names none); a session
// without them, or with unusable ones, gets the skeleton, byte for byte
// the page of before.
func TestChallengePagePaints(t *testing.T) {
	h := newHandler(t)
	skeleton := do(h, "GET", "/challenge?st=good", nil).Body.String()
	if !strings.Contains(skeleton, `class="sk-value`) || !strings.Contains(skeleton, `<html lang="en">`) {
		t.Fatalf("the page without details is not the skeleton:\n%s", skeleton)
	}
	escaped := `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;Shop&#39;`
	tests := []struct {
		name, token, accept string
		want                []string // nil: the skeleton
	}{
		{"English browser", "txn", "en-US,en;q=0.9,ja;q=0.8", []string{
			`<html lang="en">`, `<h1>Confirm your purchase</h1>`,
			`<dt>Merchant</dt><dd class="merchant">` + escaped + `</dd>`,
			`<dt>Amount</dt><dd class="amount">¥1,250</dd>`,
			`<dt>Date</dt><dd class="date">2026-11-22 05:30 JST</dd>`, // JST: already the 22nd
			`<dt>Card</dt><dd class="last4">**** 1234</dd>`,
		}},
		{"Japanese browser", "txn", "ja-JP,ja;q=0.9", []string{
			`<html lang="ja">`, `<h1>本人認証</h1>`,
			`<dt>ご利用店舗</dt><dd class="merchant">` + escaped + `</dd>`,
			`<dt>ご利用金額</dt><dd class="amount">1,250円</dd>`,
			`<dt>ご利用日時</dt><dd class="date">2026年11月22日 05:30 JST</dd>`,
			`<dt>カード番号</dt><dd class="last4">**** 1234</dd>`,
		}},
		{"no Accept-Language: the card's language", "txn", "", []string{`<html lang="ja">`, `<dd class="amount">1,250円</dd>`}},
		{"no language known", "txn-usd", "", []string{`<html lang="en">`, `<dd class="amount">$12.50</dd>`, `<dd class="last4">**** 9016</dd>`}},
		{"no purchase", "txn-no-purchase", "*", []string{`<dd class="amount">No payment (card check)</dd>`, `<dd class="date"></dd>`}},
		{"no merchant name", "txn-no-merchant", "en", nil},
		{"unknown currency", "txn-bad-currency", "en", nil},
		{"no details", "good", "ja", nil},
		{"EMV", "emv", "ja", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.accept != "" {
				hdr["Accept-Language"] = tt.accept
			}
			w := do(h, "GET", "/challenge?st="+tt.token, hdr)
			body := w.Body.String()
			if w.Code != 200 || w.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Fatalf("status %d, Content-Length %q for %d bytes", w.Code, w.Header().Get("Content-Length"), len(body))
			}
			if tt.want == nil {
				if tt.token != "emv" && body != skeleton {
					t.Errorf("page is not the skeleton:\n%s", body)
				}
				if !strings.Contains(body, `class="sk-value`) || strings.Contains(body, "<dd") {
					t.Errorf("page paints details it should not:\n%s", body)
				}
				return
			}
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %s\n%s", s, body)
				}
			}
			// The details replace the skeleton's summary, not its form,
			// and stay inside #skeleton, which the client removes.
			summary := body[strings.Index(body, `id="skeleton"`):strings.Index(body, `class="code-form"`)]
			if strings.Contains(body, `class="sk-value`) || !strings.Contains(summary, `<dl class="txn">`) ||
				!strings.Contains(body, `<input id="code"`) {
				t.Errorf("summary not in place of the skeleton's:\n%s", body)
			}
			// Markup stays text; the CSP's promise holds (no inline
			// script or style); no id the client's own screen uses.
			if strings.Contains(body, "<script>") || strings.Contains(body, "alert(\"") || strings.Contains(body, "style=") {
				t.Errorf("page runs or styles inline:\n%s", body)
			}
			for _, id := range []string{"merchant", "amount", "date", "last4", "summary", "title"} {
				if strings.Contains(body, `id="`+id+`"`) {
					t.Errorf("page has id %q, which the client's screen has too", id)
				}
			}
			if w.Header().Get("Vary") != "Accept-Language" {
				t.Errorf("Vary %q", w.Header().Get("Vary"))
			}
		})
	}
}
