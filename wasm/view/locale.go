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
	if strings.EqualFold(strings.TrimSpace(primary), "ja") {
		return Japanese
	}
	return English
}
