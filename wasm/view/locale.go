package view

import "strings"

// Locale is the language of the screen.
type Locale string

const (
	English  Locale = "en"
	Japanese Locale = "ja"
)

// LocaleFor picks the screen language from navigator.languages: Japanese
// when the first (most preferred) language is Japanese ("ja", "ja-JP"),
// English otherwise. Only the first counts, so that a browser set to
// English with Japanese as a fallback stays English. "jam" (Jamaican
// Creole) is not Japanese, so the primary subtag is compared, not a prefix.
func LocaleFor(languages []string) Locale {
	if len(languages) == 0 {
		return English
	}
	primary, _, _ := strings.Cut(languages[0], "-")
	primary, _, _ = strings.Cut(primary, "_")
	// ASCII case folding is the whole of Unicode's for "ja"; strings.EqualFold
	// would link Unicode's case tables into the client.
	if p := strings.TrimSpace(primary); len(p) == 2 && p[0]|0x20 == 'j' && p[1]|0x20 == 'a' {
		return Japanese
	}
	return English
}
