package assets

import (
	"html"
	"strings"

	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/edge/summary"
)

// paint writes the transaction summary of s's page as HTML, for the page's
// {{.Summary}} slot, and the language it is in, for <html lang>: the
// merchant, the amount, the date and the card, which the cardholder sees
// at once instead of grey bars while the wasm client downloads (seconds on
// a slow phone). It returns "", "" (the skeleton, as for every page before
// issue 16) when the session carries no details: an EMV session's, or one
// whose merchant name or currency is missing.
//
// The summary is written with the client's own rules (edge/summary's
// labels, language and JST date, edge/money's amounts) into the elements
// and classes of the client's summary (wasm/ui.go: section.summary,
// dl.txn, div.row, dt, dd), without their ids: the client builds its own
// screen beside the skeleton and removes the skeleton when it shows it,
// so the figures do not change and the rows stay where they were.
//
// The language is the browser's first (Accept-Language), the one the
// client picks from navigator.languages; the card's language from the
// token when the browser names none.
//
// Every value is HTML-escaped text: a merchant name is data.
func paint(s Session, acceptLanguage string) (lang, html string) {
	t := s.Txn
	if t == nil || t.Merchant == "" || !money.Valid(t.Currency) && !money.NoPurchase(t.Amount, t.Currency) {
		return "", ""
	}
	l, ok := summary.LocaleForAcceptLanguage(acceptLanguage)
	if !ok {
		l = summary.LocaleFor([]string{s.Locale})
	}
	lb := summary.LabelsFor(l)
	var b strings.Builder
	b.WriteString(`<section class="summary">` + "\n<h1>")
	b.WriteString(escape(lb.Title))
	b.WriteString("</h1>\n" + `<p class="help">`)
	b.WriteString(escape(lb.Help))
	b.WriteString("</p>\n" + `<dl class="txn">` + "\n")
	for _, r := range [...]struct{ class, label, value string }{
		{"merchant", lb.Merchant, t.Merchant},
		{"amount", lb.Amount, money.Format(t.Amount, t.Currency, string(l))},
		{"date", lb.Date, summary.FormatDate(t.Date, summary.JST, l)},
		{"last4", lb.Card, summary.MaskLast4(t.Last4)},
	} {
		b.WriteString(`<div class="row"><dt>` + escape(r.label) + `</dt><dd class="` + r.class + `">` + escape(r.value) + "</dd></div>\n")
	}
	b.WriteString("</dl>\n</section>\n")
	return string(l), b.String()
}

func escape(s string) string { return html.EscapeString(s) }
