package summary

import (
	"strings"
	"testing"
)

// FuzzLocaleForAcceptLanguage: any header (it is the browser's, or an
// attacker's) gives English or Japanese, Japanese only when its first
// tag's primary subtag is "ja" in any case, and ok only when a first tag
// is there.
func FuzzLocaleForAcceptLanguage(f *testing.F) {
	for _, s := range []string{"ja-JP,ja;q=0.9", "en-US,en;q=0.9,ja;q=0.8", "*", "", " ja ;q=1", "jam", "JA_jp", ",ja", "ja\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		l, ok := LocaleForAcceptLanguage(header)
		if l != English && l != Japanese {
			t.Fatalf("LocaleForAcceptLanguage(%q) = %q", header, l)
		}
		first, _, _ := strings.Cut(header, ",")
		first, _, _ = strings.Cut(first, ";")
		first = strings.TrimSpace(first)
		if ok != (first != "" && first != "*") {
			t.Fatalf("LocaleForAcceptLanguage(%q): ok %v for first tag %q", header, ok, first)
		}
		primary := strings.FieldsFunc(first, func(r rune) bool { return r == '-' || r == '_' })
		ja := len(primary) > 0 && strings.HasPrefix(first, primary[0]) && strings.EqualFold(strings.TrimSpace(primary[0]), "ja") &&
			len(strings.TrimSpace(primary[0])) == 2
		if (l == Japanese) != ja {
			t.Fatalf("LocaleForAcceptLanguage(%q) = %q, first tag %q", header, l, first)
		}
	})
}
