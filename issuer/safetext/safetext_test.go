package safetext

import (
	"strings"
	"testing"
	"unicode"
)

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"Demo Shop", 100, "Demo Shop"},
		{"  a\r\nb\tc\x00d ", 100, "a  b c d"},
		{"evil\u202etxt.exe", 100, "evil txt.exe"},
		{"a\u2066b\u2069c\u200fd\u061ce", 100, "a b c d e"},
		{"Shop\u2028One-time password: 000000\u2029x", 100, "Shop One-time password: 000000 x"},
		{"Shop\u0085NEL", 100, "Shop NEL"},
		{"デモショップ", 3, "デモシ…"},
		{"bad\xffutf8", 100, "bad\uFFFDutf8"},
		{strings.Repeat("x", 5), 5, "xxxxx"},
		{strings.Repeat("x", 6), 5, "xxxxx…"},
		{"ab \ncd", 3, "ab …"}, // the cut keeps the space before "…"
		{"", 10, ""},
		{"abc", 0, "…"},
	}
	for _, tt := range tests {
		if got := Clean(tt.in, tt.max); got != tt.want {
			t.Errorf("Clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// TestBidiControl: the hand-written set is Unicode's Bidi_Control property,
// every rune of it and no other.
func TestBidiControl(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := isBidiControl(r), unicode.Is(unicode.Bidi_Control, r); got != want {
			t.Errorf("isBidiControl(%U) = %v, Unicode says %v", r, got, want)
		}
	}
}
