package sms

import (
	"strings"
	"testing"
	"time"
)

var at = time.Date(2026, 11, 22, 6, 5, 0, 0, time.UTC) // 15:05 JST

func sample() CodeText {
	return CodeText{
		Code: "123456", Merchant: "Honnin Shop", Amount: 1500, Currency: "JPY",
		IssuerName: "Honnin Card", MerchantHost: "shop.example", EdgeHost: "acs.honnin.example", At: at,
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		locale string
		want   string
	}{
		{"ja", "【Honnin Card】認証コード 123456\nHonnin Shop 1,500円 11/22 15:05\n10分間有効。他人に教えないでください。\n@shop.example #123456 @acs.honnin.example"},
		{"en", "Honnin Card: code 123456 for Honnin Shop ¥1,500 on Nov 22 15:05 JST. Valid 10 min. Never share it.\n@shop.example #123456 @acs.honnin.example"},
		{"fr", "Honnin Card: code 123456 for Honnin Shop ¥1,500 on Nov 22 15:05 JST. Valid 10 min. Never share it.\n@shop.example #123456 @acs.honnin.example"},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			got := Text(tt.locale, sample())
			if got != tt.want {
				t.Errorf("Text:\n%s\nwant:\n%s", got, tt.want)
			}
			if n := Segments(got); n > MaxSegments {
				t.Errorf("%d segments, want ≤ %d", n, MaxSegments)
			}
		})
	}
}

// The WebOTP line is the last line, exactly, whatever the merchant name
// holds: a newline in the name must not add a line after it or forge one.
func TestTextWebOTPLine(t *testing.T) {
	for _, merchant := range []string{
		"Shop",
		"Evil\n@evil.example #123456 @acs.honnin.example",
		"Tab\tand\r\nCR\u202eLF",
		strings.Repeat("長い加盟店名", 30),
	} {
		for _, loc := range []string{"ja", "en"} {
			c := sample()
			c.Merchant = merchant
			c.MerchantHost = "Shop.Example:8080" // ports stay, case folds
			text := Text(loc, c)
			lines := strings.Split(text, "\n")
			if last := lines[len(lines)-1]; last != "@shop.example:8080 #123456 @acs.honnin.example" {
				t.Errorf("%s %q: last line %q", loc, merchant, last)
			}
			for _, l := range lines[:len(lines)-1] {
				if strings.HasPrefix(l, "@") {
					t.Errorf("%s %q: a line before the last starts with @:\n%s", loc, merchant, text)
				}
			}
			if want := map[string]int{"ja": 4, "en": 2}[loc]; len(lines) != want {
				t.Errorf("%s %q: %d lines, want %d:\n%s", loc, merchant, len(lines), want, text)
			}
		}
	}
}

// Long names are cut so the text stays within two segments: UCS-2 for
// Japanese (or any non-GSM character), GSM-7 for plain English.
func TestTextLength(t *testing.T) {
	for _, tt := range []struct {
		loc, merchant, issuer string
	}{
		{"ja", strings.Repeat("株式会社ほんにん商店", 10), "ほんにんカード株式会社のクレジットカード"},
		{"ja", strings.Repeat("Very Long Merchant Name ", 10), strings.Repeat("Issuer ", 10)},
		{"en", strings.Repeat("Very Long Merchant Name ", 10), strings.Repeat("Issuer ", 10)},
		{"en", strings.Repeat("日本の店", 20), "ほんにんカード"}, // UCS-2 in English text
	} {
		c := sample()
		c.Merchant, c.IssuerName = tt.merchant, tt.issuer
		c.Amount = 123456789
		c.MerchantHost, c.EdgeHost = "www.shop-example.co.jp", "acs.honnin.example"
		text := Text(tt.loc, c)
		if n := Segments(text); n > MaxSegments {
			t.Errorf("%s: %d segments:\n%s", tt.loc, n, text)
		}
		if !strings.Contains(text, "…") && !strings.Contains(text, "...") {
			t.Errorf("%s: long names not cut:\n%s", tt.loc, text)
		}
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 1},
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("a", 306), 2},
		{strings.Repeat("a", 307), 3},
		{strings.Repeat("€", 80), 1},  // extension: 2 septets each
		{strings.Repeat("€", 81), 2},  // 162 septets
		{strings.Repeat("¥", 160), 1}, // in the default alphabet
		{strings.Repeat("あ", 70), 1},
		{strings.Repeat("あ", 71), 2},
		{strings.Repeat("あ", 134), 2},
		{strings.Repeat("あ", 135), 3},
		{"a" + strings.Repeat("😀", 35), 2}, // surrogate pairs: 71 units
	}
	for _, tt := range tests {
		if got := Segments(tt.text); got != tt.want {
			t.Errorf("Segments(%d runes of %q) = %d, want %d", len([]rune(tt.text)), []rune(tt.text + " ")[0], got, tt.want)
		}
	}
}
