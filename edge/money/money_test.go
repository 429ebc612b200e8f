package money

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		minor int64
		code  string
		en    string
		ja    string
	}{
		// No purchase (an EMV non-payment authentication); an amount
		// without a currency is not one.
		{0, "", "No payment (card check)", "お支払いなし（カードの確認）"},
		{5, "", "5", "5"},
		// Exponent 0.
		{1250, "JPY", "¥1,250", "1,250円"},
		{0, "JPY", "¥0", "0円"},
		{1, "JPY", "¥1", "1円"},
		{999, "JPY", "¥999", "999円"},
		{1000, "JPY", "¥1,000", "1,000円"},
		{123456789, "JPY", "¥123,456,789", "123,456,789円"},
		{MaxAmount, "JPY", "¥999,999,999,999", "999,999,999,999円"},
		{50000, "KRW", "KRW 50,000", "50,000 KRW"},
		{MaxAmount, "CLP", "CLP 999,999,999,999", "999,999,999,999 CLP"},
		// Exponent 2.
		{1250, "USD", "$12.50", "12.50 USD"},
		{5, "USD", "$0.05", "0.05 USD"},
		{0, "USD", "$0.00", "0.00 USD"},
		{1, "USD", "$0.01", "0.01 USD"},
		{123456789, "USD", "$1,234,567.89", "1,234,567.89 USD"},
		{MaxAmount, "USD", "$9,999,999,999.99", "9,999,999,999.99 USD"},
		{1999, "EUR", "€19.99", "19.99 EUR"},
		{100000, "EUR", "€1,000.00", "1,000.00 EUR"},
		{1250, "GBP", "£12.50", "12.50 GBP"},
		{1250, "MXN", "MXN 12.50", "12.50 MXN"},
		{1250, "AUD", "AUD 12.50", "12.50 AUD"},
		{1250000, "IDR", "IDR 12,500.00", "12,500.00 IDR"}, // ISO's 2, not CLDR's 0
		// Exponent 3.
		{1250, "KWD", "KWD 1.250", "1.250 KWD"},
		{7, "KWD", "KWD 0.007", "0.007 KWD"},
		{1, "TND", "TND 0.001", "0.001 TND"},
		{1000, "OMR", "OMR 1.000", "1.000 OMR"},
		{1234567, "BHD", "BHD 1,234.567", "1,234.567 BHD"},
		{MaxAmount, "TND", "TND 999,999,999.999", "999,999,999.999 TND"},
		{1250, "IQD", "IQD 1.250", "1.250 IQD"}, // ISO's 3, not CLDR's 0
		// Refunds are not expected, but must not garble.
		{-1250, "JPY", "-¥1,250", "-1,250円"},
		{-5, "USD", "-$0.05", "-0.05 USD"},
		{-7, "KWD", "-KWD 0.007", "-0.007 KWD"},
		{math.MinInt64, "JPY", "-¥9,223,372,036,854,775,808", "-9,223,372,036,854,775,808円"},
		{math.MaxInt64, "USD", "$92,233,720,368,547,758.07", "92,233,720,368,547,758.07 USD"},
		// Not a currency a purchase can have: minor units, never a
		// guessed exponent; the code only if it looks like one.
		{1250, "XYZ", "XYZ 1,250", "1,250 XYZ"},
		{1250, "XAU", "XAU 1,250", "1,250 XAU"}, // gold: no minor unit
		{1250, "HRK", "HRK 1,250", "1,250 HRK"}, // withdrawn
		{-1250, "XYZ", "-XYZ 1,250", "-1,250 XYZ"},
		{1250, "", "1,250", "1,250"},
		{1250, "jpy", "1,250", "1,250"}, // not as ISO writes it
		{1250, "<b>", "1,250", "1,250"},
		{1250, "JPYX", "1,250", "1,250"},
		{1250, "¥¥¥", "1,250", "1,250"},
		{1250, " JPY", "1,250", "1,250"},
	}
	for _, tt := range tests {
		if got := Format(tt.minor, tt.code, "en"); got != tt.en {
			t.Errorf("Format(%d, %q, en) = %q, want %q", tt.minor, tt.code, got, tt.en)
		}
		if got := Format(tt.minor, tt.code, "ja"); got != tt.ja {
			t.Errorf("Format(%d, %q, ja) = %q, want %q", tt.minor, tt.code, got, tt.ja)
		}
		// Any locale but Japanese is English.
		for _, l := range []string{"", "fr", "ja-JP", "JA"} {
			if got := Format(tt.minor, tt.code, l); got != tt.en {
				t.Errorf("Format(%d, %q, %q) = %q, want the English %q", tt.minor, tt.code, l, got, tt.en)
			}
		}
	}
}

// TestFormatEveryCurrency reads every currency's figure back, at the
// bounds of an amount: the digits are the minor units, the decimal point
// is exp digits from the end, the code (or symbol) is the currency's.
func TestFormatEveryCurrency(t *testing.T) {
	n := 0
	for code := range Codes() {
		n++
		exp, ok := Exponent(code)
		if !ok {
			t.Fatalf("Exponent(%s) not ok", code)
		}
		for _, minor := range []int64{1, 1250, MaxAmount} {
			for _, locale := range []string{"ja", "en"} {
				got := Format(minor, code, locale)
				num := got
				switch {
				case locale == "ja" && code == "JPY":
					num = strings.TrimSuffix(got, "円")
				case locale == "ja":
					num = strings.TrimSuffix(got, " "+code)
				case symbol(code) != "":
					num = strings.TrimPrefix(got, symbol(code))
				default:
					num = strings.TrimPrefix(got, code+" ")
				}
				if num == got {
					t.Errorf("Format(%d, %s, %s) = %q: no currency mark where expected", minor, code, locale, got)
					continue
				}
				whole, frac, hasFrac := strings.Cut(num, ".")
				if exp == 0 && hasFrac || exp > 0 && len(frac) != exp {
					t.Errorf("Format(%d, %s, %s) = %q: want %d decimals", minor, code, locale, got, exp)
				}
				for i, g := range strings.Split(whole, ",") {
					if i > 0 && len(g) != 3 || len(g) == 0 || len(g) > 3 {
						t.Errorf("Format(%d, %s, %s) = %q: misgrouped", minor, code, locale, got)
					}
				}
				digits := strings.TrimLeft(strings.ReplaceAll(whole, ",", "")+frac, "0")
				if want := strconv.FormatInt(minor, 10); digits != want {
					t.Errorf("Format(%d, %s, %s) = %q: digits %s, want %s", minor, code, locale, got, digits, want)
				}
			}
		}
	}
	if n != 155 {
		t.Errorf("%d currencies, want the 155 in circulation", n)
	}
}

// TestTables checks the form the lookups rely on: entries of three capital
// letters and a space, sorted, no duplicates, and the exponent lists drawn
// from the table.
func TestTables(t *testing.T) {
	for name, list := range map[string]string{"codes": codes, "exponent0": exponent0, "exponent3": exponent3} {
		if len(list)%4 != 0 {
			t.Errorf("%s: length %d is not a multiple of 4", name, len(list))
			continue
		}
		prev := ""
		for i := 0; i < len(list); i += 4 {
			e := list[i : i+3]
			if !wellFormed(e) || list[i+3] != ' ' {
				t.Errorf("%s: entry %d %q is not three capitals and a space", name, i/4, list[i:i+4])
			}
			if e <= prev {
				t.Errorf("%s: %s after %s: not sorted, or twice", name, e, prev)
			}
			prev = e
			if name != "codes" && !Valid(e) {
				t.Errorf("%s: %s is not in codes", name, e)
			}
		}
	}
}

func TestValidExponent(t *testing.T) {
	tests := []struct {
		code string
		exp  int
		ok   bool
	}{
		{"JPY", 0, true}, {"KRW", 0, true}, {"VND", 0, true}, {"ISK", 0, true}, {"UGX", 0, true},
		{"AED", 2, true}, {"USD", 2, true}, {"EUR", 2, true}, {"MXN", 2, true}, {"ZWG", 2, true}, {"XCG", 2, true},
		{"BHD", 3, true}, {"IQD", 3, true}, {"JOD", 3, true}, {"KWD", 3, true}, {"LYD", 3, true}, {"OMR", 3, true}, {"TND", 3, true},
		{"ZAR", 2, true}, {"AFN", 2, true}, // the first and last entries
		// Funds, metals, testing and withdrawn codes, and non-codes.
		{"CLF", 0, false}, {"UYW", 0, false}, {"XAU", 0, false}, {"XTS", 0, false}, {"XXX", 0, false},
		{"HRK", 0, false}, {"ANG", 0, false}, {"ZWL", 0, false}, {"SLL", 0, false},
		{"jpy", 0, false}, {"", 0, false}, {"JP", 0, false}, {"JPYY", 0, false}, {"AAA", 0, false}, {"ZZZ", 0, false},
		{"JPY ", 0, false}, {"AED\x00", 0, false},
	}
	for _, tt := range tests {
		exp, ok := Exponent(tt.code)
		if exp != tt.exp || ok != tt.ok {
			t.Errorf("Exponent(%q) = %d, %v; want %d, %v", tt.code, exp, ok, tt.exp, tt.ok)
		}
		if Valid(tt.code) != tt.ok {
			t.Errorf("Valid(%q) = %v, want %v", tt.code, !tt.ok, tt.ok)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	for b.Loop() {
		Format(123456789, "KWD", "en")
	}
}
