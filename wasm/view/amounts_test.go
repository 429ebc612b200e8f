package view

import (
	"testing"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/money"
)

// TestAmountEveryCurrency: the challenge screen writes an amount in every
// currency the merchant API accepts (edge/money's table, which the API
// validates with) exactly as money.Format does, as the code mail and the
// code SMS do in their packages' tests: a cardholder who reads a purchase
// on the screen and in a message sees one figure written one way. Before
// edge/money the screen wrote "1,250 MXN" where the mail wrote "12.50 MXN",
// and TND and OMR a thousand times off.
func TestAmountEveryCurrency(t *testing.T) {
	n := 0
	for code := range money.Codes() {
		n++
		for _, minor := range []int64{0, 1, 1250, money.MaxAmount} {
			for _, l := range []Locale{Japanese, English} {
				if got, want := screenAmount(t, l, code, minor), money.Format(minor, code, string(l)); got != want {
					t.Errorf("%d %s in %s: the screen shows %q, money.Format %q", minor, code, l, got, want)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("money.Codes is empty")
	}
	// And what they agree on is each currency's ISO 4217 minor unit.
	for _, tt := range []struct {
		code  string
		minor int64
		l     Locale
		want  string
	}{
		{"MXN", 1250, Japanese, "12.50 MXN"},
		{"MXN", 1250, English, "MXN 12.50"},
		{"JPY", 1250, Japanese, "1,250円"},
		{"JPY", 0, English, "¥0"},
		{"TND", 1250, Japanese, "1.250 TND"},
		{"TND", 1250, English, "TND 1.250"},
		{"OMR", 1, English, "OMR 0.001"},
		{"BHD", money.MaxAmount, Japanese, "999,999,999.999 BHD"},
		{"KWD", 1250, English, "KWD 1.250"},
		// An EMV non-payment authentication: nothing to pay.
		{"", 0, English, "No payment (card check)"},
		{"", 0, Japanese, "お支払いなし（カードの確認）"},
		{"USD", money.MaxAmount, English, "$9,999,999,999.99"},
	} {
		if got := screenAmount(t, tt.l, tt.code, tt.minor); got != tt.want {
			t.Errorf("%d %s in %s: the screen shows %q, want %q", tt.minor, tt.code, tt.l, got, tt.want)
		}
	}
}

// screenAmount is the amount the challenge screen shows after the edge
// answered the start with a purchase of minor units of code.
func screenAmount(t *testing.T, l Locale, code string, minor int64) string {
	t.Helper()
	m := New(l)
	if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, body(t, challengeResp("ct", func(d *contract.Display) { d.Amount, d.Currency = minor, code })))
	s := m.Screen(t0)
	if s.Phase != Challenge || !s.ShowSummary {
		t.Fatalf("%d %s: the screen is %v without the purchase", minor, code, s.Phase)
	}
	return s.Amount
}
