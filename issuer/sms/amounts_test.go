package sms

import (
	"regexp"
	"testing"

	"github.com/honnin/honnin/edge/money"
)

// amountIn finds the amount in a code text: after the merchant's name,
// before the JST time.
var amountIn = map[string]*regexp.Regexp{
	"en": regexp.MustCompile(` for Honnin Shop (.*) on [A-Z][a-z]{2} \d+ \d\d:\d\d JST\.`),
	"ja": regexp.MustCompile(`(?m)^Honnin Shop (.*) \d+/\d+ \d\d:\d\d$`),
}

// TestAmountEveryCurrency: the code SMS writes an amount in every currency
// the merchant API accepts (edge/money's table) exactly as money.Format
// does, as the challenge screen (wasm/view) and the code mail
// (issuer/dispatch) do in their packages' tests.
func TestAmountEveryCurrency(t *testing.T) {
	n := 0
	for code := range money.Codes() {
		n++
		for _, minor := range []int64{0, 1, 1250, money.MaxAmount} {
			for _, locale := range []string{"ja", "en"} {
				if got, want := textAmount(t, locale, code, minor), money.Format(minor, code, locale); got != want {
					t.Errorf("%d %s in %s: the SMS says %q, money.Format %q", minor, code, locale, got, want)
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
		{"JPY", "en", 1250, "¥1,250"},
		{"TND", "ja", 1250, "1.250 TND"},
		{"TND", "en", 1250, "TND 1.250"},
		{"BHD", "en", 1, "BHD 0.001"},
		{"OMR", "ja", money.MaxAmount, "999,999,999.999 OMR"},
	} {
		if got := textAmount(t, tt.locale, tt.code, tt.minor); got != tt.want {
			t.Errorf("%d %s in %s: the SMS says %q, want %q", tt.minor, tt.code, tt.locale, got, tt.want)
		}
	}
}

// textAmount is the amount in the code SMS of a purchase.
func textAmount(t *testing.T, locale, code string, minor int64) string {
	t.Helper()
	c := sample()
	c.Amount, c.Currency = minor, code
	s := Text(locale, c)
	m := amountIn[locale].FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%d %s in %s: no amount in\n%s", minor, code, locale, s)
	}
	return m[1]
}
