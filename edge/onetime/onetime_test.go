package onetime

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"123456", "123456", nil},
		{"000000", "000000", nil},
		{" 123456 ", "123456", nil},
		{"\t123456\n", "123456", nil}, // pasted from a mail with its line break
		{"123 456", "123456", nil},
		{"1 2 3 4 5 6", "123456", nil},
		{"12\t34\r\n56", "123456", nil},
		{"123\u00a0456", "123456", nil},       // no-break space from an HTML mail
		{"１２３４５６", "123456", nil},             // full-width digits from a Japanese IME
		{"１２３456", "123456", nil},             // mixed widths
		{"\u3000１２３４５６\u3000", "123456", nil}, // ideographic spaces
		{"１２３　４５６", "123456", nil},
		{"123-456", "123456", nil},
		{"12-34-56", "123456", nil},
		{"-123456-", "123456", nil},
		{"123‐456", "123456", nil}, // U+2010 hyphen
		{"123‑456", "123456", nil}, // U+2011 non-breaking hyphen
		{"123‒456", "123456", nil}, // U+2012 figure dash
		{"123–456", "123456", nil}, // U+2013 en dash
		{"123—456", "123456", nil}, // U+2014 em dash
		{"123―456", "123456", nil}, // U+2015 horizontal bar
		{"123−456", "123456", nil}, // U+2212 minus
		{"１２３－４５６", "123456", nil}, // U+FF0D full-width hyphen-minus
		{"１２３ー４５６", "123456", nil}, // U+30FC: the '-' key of an IME in kana mode
		{"123ｰ456", "123456", nil}, // U+FF70: the same in half-width katakana
		{"- 123 - 456 -", "123456", nil},

		{"", "", ErrEmpty},
		{"   ", "", ErrEmpty},
		{"\u3000", "", ErrEmpty},
		{"---", "", ErrEmpty},
		{" - ー ", "", ErrEmpty},

		{"12345", "", ErrLength},
		{"1234567", "", ErrLength},
		{"１２３４５", "", ErrLength},
		{"123-45", "", ErrLength},
		{strings.Repeat("1", 1000), "", ErrLength},

		{"12345a", "", ErrNotDigit},
		{"1234567a", "", ErrNotDigit}, // not a digit wins over the count
		{"a", "", ErrNotDigit},
		{"+12345", "", ErrNotDigit},
		{"123_456", "", ErrNotDigit},
		{"123.456", "", ErrNotDigit},
		{"123/456", "", ErrNotDigit},
		{"123〜456", "", ErrNotDigit}, // wave dash: not a hyphen
		{"١٢٣٤٥٦", "", ErrNotDigit},  // Arabic-Indic digits are digits, but not ours
		{"১২৩৪৫৬", "", ErrNotDigit},  // Bengali digits
		{"१२३४५६", "", ErrNotDigit},  // Devanagari digits
		{"①②③④⑤⑥", "", ErrNotDigit},
		{"12345\x00", "", ErrNotDigit},
		{"12345\xff", "", ErrNotDigit},    // invalid UTF-8
		{"123456\u200b", "", ErrNotDigit}, // zero-width space is not white space
		{"\ufeff123456", "", ErrNotDigit}, // nor is a byte-order mark
		{"123\u00ad456", "", ErrNotDigit}, // a soft hyphen is invisible: not taken
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in, 6)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("Normalize(%q, 6) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestNormalizeDigits(t *testing.T) {
	tests := []struct {
		in     string
		digits int
		want   string
		err    error
	}{
		{"1234", 4, "1234", nil},
		{"12-34", 4, "1234", nil},
		{"123456", 4, "", ErrLength},
		{"12345678", 8, "12345678", nil},
		{"1234 5678", 8, "12345678", nil},
		{"1", 1, "1", nil},
		{"", 1, "", ErrEmpty},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in, tt.digits)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("Normalize(%q, %d) = %q, %v; want %q, %v", tt.in, tt.digits, got, err, tt.want, tt.err)
		}
	}
}

// TestPolicies: the numbers of each purpose, as issuer/RULES.md states
// them. Changing one is changing a rule: the row in RULES.md changes too.
func TestPolicies(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		want Policy
	}{
		{"Purchase", Purchase, Policy{Digits: 6, Lifetime: 10 * time.Minute, Tries: 5,
			Cooldown: 30 * time.Second, Resends: 3, DailyCap: 10, Window: 24 * time.Hour}},
		{"PortalSignIn", PortalSignIn, Policy{Digits: 6, Lifetime: 10 * time.Minute, Tries: 5}},
		{"ContactChange", ContactChange, Policy{Digits: 6, Lifetime: 10 * time.Minute, Tries: 5,
			Cooldown: 30 * time.Second, Resends: 3, DailyCap: 10, Window: 24 * time.Hour}},
	}
	for _, tt := range tests {
		if tt.p != tt.want {
			t.Errorf("%s = %+v, want %+v", tt.name, tt.p, tt.want)
		}
	}
}

func TestPolicyMethods(t *testing.T) {
	p := ContactChange
	sent := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if got, want := p.Expires(sent), sent.Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("Expires = %v, want %v", got, want)
	}
	if got := p.Sends(); got != 4 {
		t.Errorf("Sends = %d, want 4 (the first and 3 resends)", got)
	}
	if got := PortalSignIn.Sends(); got != 1 {
		t.Errorf("PortalSignIn.Sends = %d, want 1", got)
	}
	for wrong, want := range []int{5, 4, 3, 2, 1, 0, 0} {
		if got := p.TriesLeft(wrong); got != want {
			t.Errorf("TriesLeft(%d) = %d, want %d", wrong, got, want)
		}
	}
	if got := p.InputLen(); got != 12 {
		t.Errorf("InputLen = %d, want 12", got)
	}
	if c, err := p.Normalize("1 2 3 4 5 6 "[:p.InputLen()]); c != "123456" || err != nil {
		t.Errorf("Normalize of InputLen characters = %q, %v", c, err)
	}
	if c, err := p.Normalize("１２３-４５６"); c != "123456" || err != nil {
		t.Errorf("Normalize = %q, %v", c, err)
	}
}

func BenchmarkNormalize(b *testing.B) {
	for _, in := range []string{"123456", "１２３　４５６"} {
		b.Run(in, func(b *testing.B) {
			for b.Loop() {
				if _, err := Normalize(in, 6); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
