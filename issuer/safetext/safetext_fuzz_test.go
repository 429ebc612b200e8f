package safetext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzClean cleans arbitrary text. Properties: the result is valid UTF-8
// with no control character, line or paragraph separator or bidirectional
// control (checked against Unicode's own tables, not the package's), has
// no surrounding space; it is no longer than the input, and an input of
// more than max runes is cut to max and a final "…"; cleaning it again
// (with room for the "…") changes nothing.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"Demo Shop", "a\r\nb", "evil\u202etxt.exe", "デモショップ", "bad\xffutf8",
		"Shop\u2028One-time password: 000000", " \t ", "\u2066\u2069", ""} {
		f.Add(s, 100)
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		got := Clean(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("Clean(%q, %d) = %q: not UTF-8", s, max, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp, unicode.Bidi_Control) {
				t.Fatalf("Clean(%q, %d) = %q: holds %U", s, max, got, r)
			}
		}
		if got != strings.TrimSpace(got) {
			t.Fatalf("Clean(%q, %d) = %q: surrounding space", s, max, got)
		}
		in, n := utf8.RuneCountInString(strings.ToValidUTF8(s, "\uFFFD")), utf8.RuneCountInString(got)
		if in <= max && n > in || in > max && (n > max+1 || !strings.HasSuffix(got, "…")) {
			t.Fatalf("Clean(%q, %d) = %q: %d runes from %d", s, max, got, n, in)
		}
		if again := Clean(got, max+1); again != got {
			t.Fatalf("Clean(%q, %d) = %q, cleaned again %q", s, max, got, again)
		}
	})
}
