// Package summary writes the transaction summary of the challenge screen
// the way the cardholder reads it: the language rule, the row labels and
// the purchase date in JST or GMT. Amounts are edge/money's Format.
//
// Two places draw the summary: the edge's challenge page (edge/assets),
// as HTML before the client has loaded, and the wasm client (wasm/view),
// which takes the screen over. Both write it with this package, so the
// first paint and the client's screen say the same thing in the same
// words and the client's take-over does not change a figure.
//
// It is a stdlib-only leaf under edge/ (the meeting point) because the wasm
// client imports it: no fmt, no time formatting (see FormatDate), no map
// literals.
package summary

import "strings"

// Locale is the language of the screen.
type Locale string

const (
	English  Locale = "en"
	Japanese Locale = "ja"
)

// LocaleFor picks the screen language from the browser's languages, most
// preferred first (navigator.languages in the client; the edge has the
// first tag of Accept-Language, the same preference): Japanese when the
// first language is Japanese ("ja", "ja-JP"), English otherwise. Only the
// first counts, so that a browser set to English with Japanese as a
// fallback stays English. "jam" (Jamaican Creole) is not Japanese, so the
// primary subtag is compared, not a prefix.
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

// LocaleForAcceptLanguage is LocaleFor of an Accept-Language header's
// first tag ("ja-JP,ja;q=0.9,en;q=0.8" is Japanese): browsers send the
// languages of navigator.languages in its order, so the edge's page and
// the client pick the same language. The q-values are not weighed, as
// navigator.languages has none. ok is false when the header names no
// language (absent, empty or "*").
func LocaleForAcceptLanguage(header string) (l Locale, ok bool) {
	first, _, _ := strings.Cut(header, ",")
	first, _, _ = strings.Cut(first, ";")
	first = strings.TrimSpace(first)
	if first == "" || first == "*" {
		return English, false
	}
	return LocaleFor([]string{first}), true
}

// Labels are the summary's fixed texts in one locale.
type Labels struct {
	Title    string // the screen's heading (and the document title)
	Help     string // one line under the heading: why this screen is here
	Merchant string
	Amount   string
	Date     string
	Card     string
}

// The labels in each language. Wording follows what Japanese issuers'
// challenge pages say; the English is plain.
var (
	LabelsEN = Labels{
		Title:    "Confirm your purchase",
		Help:     "Your card issuer asks you to confirm that this purchase is yours, to protect your card from misuse.",
		Merchant: "Merchant",
		Amount:   "Amount",
		Date:     "Date",
		Card:     "Card",
	}
	LabelsJA = Labels{
		Title:    "本人認証",
		Help:     "カードの不正利用を防ぐため、カード会社がご本人によるお買い物かどうかを確認しています。",
		Merchant: "ご利用店舗",
		Amount:   "ご利用金額",
		Date:     "ご利用日時",
		Card:     "カード番号",
	}
)

// LabelsFor returns the labels in locale l.
func LabelsFor(l Locale) Labels {
	if l == Japanese {
		return LabelsJA
	}
	return LabelsEN
}

// MaskLast4 writes a card's last four digits as the summary shows them,
// "**** 1234"; "" stays "".
func MaskLast4(last4 string) string {
	if last4 == "" {
		return ""
	}
	return "**** " + last4
}
