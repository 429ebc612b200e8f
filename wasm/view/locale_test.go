package view

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
