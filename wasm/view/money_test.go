package view

import (
	"math"
	"testing"
)

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		amount int64
		code   string
		want   string
	}{
		{1250, "JPY", "¥1,250"},
		{0, "JPY", "¥0"},
		{999, "JPY", "¥999"},
		{1000, "JPY", "¥1,000"},
		{1234567, "JPY", "¥1,234,567"},
		{1250, "USD", "$12.50"},
		{5, "USD", "$0.05"},
		{0, "USD", "$0.00"},
		{100000000, "USD", "$1,000,000.00"},
		{1999, "EUR", "€19.99"},
		{1250, "GBP", "£12.50"},
		{50000, "KRW", "₩50,000"},
		{1250, "AUD", "12.50 AUD"},
		{1234, "KWD", "1.234 KWD"},
		{1250, "XYZ", "1,250 XYZ"}, // unknown: minor units, never a guessed exponent
		{1250000, "ABC", "1,250,000 ABC"},
		{1250, "", "1,250"},
		{1250, "jpy", "1,250"},    // not an ISO code: not shown
		{1250, "<b>", "1,250"},    // nor markup
		{1250, "JPYX", "1,250"},   // nor long codes
		{1250, "¥¥¥", "1,250"},    // nor non-ASCII
		{-1250, "JPY", "-¥1,250"}, // refunds are not expected, but must not garble
		{-5, "USD", "-$0.05"},
		{-1250, "XYZ", "-1,250 XYZ"},
		{math.MaxInt64, "JPY", "¥9,223,372,036,854,775,807"},
		{math.MinInt64, "JPY", "-¥9,223,372,036,854,775,808"},
	}
	for _, tt := range tests {
		if got := FormatAmount(tt.amount, tt.code); got != tt.want {
			t.Errorf("FormatAmount(%d, %q) = %q, want %q", tt.amount, tt.code, got, tt.want)
		}
	}
}
