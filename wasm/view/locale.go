package view

import "github.com/honnin/honnin/edge/summary"

// Locale is the language of the screen (edge/summary, whose rule the
// edge's first paint of the page follows too).
type Locale = summary.Locale

const (
	English  = summary.English
	Japanese = summary.Japanese
)

// LocaleFor picks the screen language from navigator.languages
// (summary.LocaleFor).
func LocaleFor(languages []string) Locale { return summary.LocaleFor(languages) }
