package api

import (
	"slices"
	"testing"

	"github.com/honnin/honnin/edge/money"
)

// TestCurrenciesAccepted: the merchant API accepts a currency exactly when
// edge/money knows its minor unit, so every accepted purchase can be shown
// (screen, mail, SMS, portal) with the right number of decimals. Checked
// over every code of three capital letters, and at the bounds of an amount
// in each accepted currency.
func TestCurrenciesAccepted(t *testing.T) {
	valid := func(code string, amount int64) bool {
		req := createRequest{CardNumber: "4111111111111111", Amount: &amount, Currency: code,
			MerchantOrigin: "http://localhost:8080"}
		_, err := req.validate()
		return err == nil
	}
	var accepted []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			for c := 'A'; c <= 'Z'; c++ {
				if code := string([]rune{a, b, c}); valid(code, 1250) {
					accepted = append(accepted, code)
				}
			}
		}
	}
	if want := slices.Collect(money.Codes()); !slices.Equal(accepted, want) {
		t.Errorf("the API accepts %d currencies, edge/money has %d:\naccepted %v\nmoney    %v", len(accepted), len(want), accepted, want)
	}
	for code := range money.Codes() {
		if !valid(code, 1) || !valid(code, money.MaxAmount) || valid(code, money.MaxAmount+1) || valid(code, 0) {
			t.Errorf("%s: amounts 1 and %d accepted, 0 and one more refused: not so", code, int64(money.MaxAmount))
		}
	}
	for _, code := range []string{"jpy", "JP", "JPYY", " JPY", "CLF", "UYW", "XAU", "XTS", "XXX", "HRK", "¥"} {
		if valid(code, 1250) {
			t.Errorf("currency %q accepted", code)
		}
	}
}
