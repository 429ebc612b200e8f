package dispatch

import (
	"math"
	"testing"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		en, ja   string
	}{
		{1250, "JPY", "¥1,250", "1,250円"},
		{0, "JPY", "¥0", "0円"},
		{999, "JPY", "¥999", "999円"},
		{1000, "JPY", "¥1,000", "1,000円"},
		{123456789, "JPY", "¥123,456,789", "123,456,789円"},
		{1250, "USD", "$12.50", "12.50 USD"},
		{5, "USD", "$0.05", "0.05 USD"},
		{123456789, "USD", "$1,234,567.89", "1,234,567.89 USD"},
		{1999, "EUR", "€19.99", "19.99 EUR"},
		{100000, "EUR", "€1,000.00", "1,000.00 EUR"},
		{1250, "KWD", "KWD 1.250", "1.250 KWD"},
		{7, "KWD", "KWD 0.007", "0.007 KWD"},
		{1234567, "KWD", "KWD 1,234.567", "1,234.567 KWD"},
		{1250, "usd", "$12.50", "12.50 USD"},    // code case does not matter
		{1250, "XYZ", "XYZ 12.50", "12.50 XYZ"}, // unknown: ISO default of 2 digits
		{-1250, "JPY", "-¥1,250", "-1,250円"},    // refunds
		{math.MinInt64, "JPY", "-¥9,223,372,036,854,775,808", "-9,223,372,036,854,775,808円"},
		{math.MaxInt64, "USD", "$92,233,720,368,547,758.07", "92,233,720,368,547,758.07 USD"},
	}
	for _, tt := range tests {
		if got := money(tt.minor, tt.currency, "en"); got != tt.en {
			t.Errorf("money(%d, %s, en) = %q, want %q", tt.minor, tt.currency, got, tt.en)
		}
		if got := money(tt.minor, tt.currency, "ja"); got != tt.ja {
			t.Errorf("money(%d, %s, ja) = %q, want %q", tt.minor, tt.currency, got, tt.ja)
		}
	}
}
