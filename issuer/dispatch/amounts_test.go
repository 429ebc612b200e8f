package dispatch

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/money"
)

var amountLine = map[string]*regexp.Regexp{
	"en": regexp.MustCompile(`(?m)^  Amount:   (.*)$`),
	"ja": regexp.MustCompile(`(?m)^　ご利用金額：(.*)$`),
}

// TestAmountEveryCurrency: the code mail writes an amount in every
// currency the merchant API accepts (edge/money's table) exactly as
// money.Format does, in its text and its HTML part, as the challenge
// screen (wasm/view) and the code SMS (issuer/sms) do in their packages'
// tests: one figure, written one way, wherever the cardholder reads it.
func TestAmountEveryCurrency(t *testing.T) {
	n := 0
	for code := range money.Codes() {
		n++
		for _, minor := range []int64{0, 1, 1250, money.MaxAmount} {
			for _, locale := range []string{"ja", "en"} {
				text, htmlPart := mailAmount(t, locale, code, minor)
				want := money.Format(minor, code, locale)
				if text != want {
					t.Errorf("%d %s in %s: the mail's text says %q, money.Format %q", minor, code, locale, text, want)
				}
				if !strings.Contains(htmlPart, ">"+html.EscapeString(want)+"</td>") {
					t.Errorf("%d %s in %s: the mail's HTML part lacks %q", minor, code, locale, want)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("money.Codes is empty")
	}
	for _, tt := range []struct {
		code, locale string
		minor        int64
		want         string
	}{
		{"MXN", "ja", 1250, "12.50 MXN"},
		{"MXN", "en", 1250, "MXN 12.50"},
		{"JPY", "ja", 1250, "1,250円"},
		{"TND", "ja", 1250, "1.250 TND"},
		{"TND", "en", 1250, "TND 1.250"},
		{"OMR", "en", 1, "OMR 0.001"},
		{"KWD", "ja", money.MaxAmount, "999,999,999.999 KWD"},
	} {
		if got, _ := mailAmount(t, tt.locale, tt.code, tt.minor); got != tt.want {
			t.Errorf("%d %s in %s: the mail says %q, want %q", tt.minor, tt.code, tt.locale, got, tt.want)
		}
	}
}

// mailAmount renders the code mail of a purchase and returns the amount
// line of its text part, and its HTML part.
func mailAmount(t *testing.T, locale, code string, minor int64) (text, htmlPart string) {
	t.Helper()
	c := codeMail(locale)
	c.Amount, c.Currency = minor, code
	r, err := render(c)
	if err != nil {
		t.Fatalf("%d %s in %s: %v", minor, code, locale, err)
	}
	m := amountLine[locale].FindStringSubmatch(r.text)
	if m == nil {
		t.Fatalf("%d %s in %s: no amount line in\n%s", minor, code, locale, r.text)
	}
	return m[1], r.html
}
