package summary

import (
	"strings"
	"testing"
)

func TestLocaleFor(t *testing.T) {
	tests := []struct {
		langs []string
		want  Locale
	}{
		{[]string{"ja"}, Japanese},
		{[]string{"ja-JP", "en-US"}, Japanese},
		{[]string{"JA-jp"}, Japanese},
		{[]string{"ja_JP"}, Japanese},
		{[]string{"en-US", "ja"}, English}, // only the first language counts
		{[]string{"jam"}, English},         // Jamaican Creole, not Japanese
		{[]string{"jv-ID"}, English},
		{[]string{""}, English},
		{[]string{}, English},
		{nil, English},
	}
	for _, tt := range tests {
		if got := LocaleFor(tt.langs); got != tt.want {
			t.Errorf("LocaleFor(%q) = %q, want %q", tt.langs, got, tt.want)
		}
	}
}

// TestLocaleForFolds holds LocaleFor's ASCII comparison to strings.EqualFold
// (Unicode's simple folding) on every two-byte tag and on look-alikes.
func TestLocaleForFolds(t *testing.T) {
	tags := []string{"ｊａ", "ǰa", "jа" /* Cyrillic а */, "ja\u0301", "\u212aa"}
	for a := range 256 {
		for b := range 256 {
			tags = append(tags, string([]byte{byte(a), byte(b)}))
		}
	}
	for _, tag := range tags {
		want := English
		if strings.EqualFold(tag, "ja") {
			want = Japanese
		}
		if got := LocaleFor([]string{tag}); got != want && strings.TrimSpace(tag) == tag && !strings.ContainsAny(tag, "-_") {
			t.Errorf("LocaleFor(%q) = %q, strings.EqualFold says %q", tag, got, want)
		}
	}
}

func TestLocaleForAcceptLanguage(t *testing.T) {
	tests := []struct {
		header string
		want   Locale
		ok     bool
	}{
		{"ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", Japanese, true},
		{"ja", Japanese, true},
		{" JA ;q=1", Japanese, true},
		{"en-US,en;q=0.9,ja;q=0.8", English, true}, // only the first counts, as in LocaleFor
		{"jam", English, true},
		{"fr", English, true},
		{"*", English, false},
		{"", English, false},
		{" , ja", English, false},
	}
	for _, tt := range tests {
		if got, ok := LocaleForAcceptLanguage(tt.header); got != tt.want || ok != tt.ok {
			t.Errorf("LocaleForAcceptLanguage(%q) = %q, %v, want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLabelsFor(t *testing.T) {
	for _, l := range []Locale{English, Japanese} {
		lb := LabelsFor(l)
		for _, s := range []string{lb.Title, lb.Help, lb.Merchant, lb.Amount, lb.Date, lb.Card} {
			if s == "" {
				t.Errorf("LabelsFor(%q) has an empty label: %+v", l, lb)
			}
		}
	}
	if LabelsFor("fr") != LabelsEN || LabelsFor(Japanese) == LabelsEN {
		t.Error("LabelsFor: English is not the default, or Japanese is English")
	}
	if got := MaskLast4("1234"); got != "**** 1234" {
		t.Errorf("MaskLast4(1234) = %q", got)
	}
	if got := MaskLast4(""); got != "" {
		t.Errorf("MaskLast4() = %q", got)
	}
}
