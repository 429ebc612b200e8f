package view

import "testing"

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
