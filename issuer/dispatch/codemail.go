package dispatch

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/edge/onetime"
	"github.com/honnin/honnin/issuer/safetext"
)

// maxMerchantRunes caps a merchant name in the mail. Names are
// merchant-controlled; a page-long one would push the code out of view.
const maxMerchantRunes = 100

// CodeMail is one one-time code email: the code and the transaction it
// authorises, so the cardholder can tell whether the purchase is theirs.
type CodeMail struct {
	To         string    // the cardholder's address (bare, or "Name <addr>")
	Locale     string    // "ja" or "en"
	Code       string    // 6 ASCII digits
	Merchant   string    // as the merchant registered it; untrusted
	Amount     int64     // minor units of Currency
	Currency   string    // ISO 4217 alphabetic code
	At         time.Time // transaction time; shown in JST
	IssuerName string    // shown as the sender of the notice
}

// ErrInvalidCodeMail is wrapped by SendCode errors caused by the message
// itself rather than by the mail server, so callers can tell "do not retry,
// fix the caller" from "retry later".
var ErrInvalidCodeMail = errors.New("invalid code mail")

func (c CodeMail) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidCodeMail, fmt.Sprintf(format, a...))
	}
	if _, err := mail.ParseAddress(c.To); err != nil {
		return bad("recipient: %v", err)
	}
	if c.Locale != "ja" && c.Locale != "en" {
		return bad("locale %q: want ja or en", c.Locale)
	}
	if len(c.Code) != 6 || strings.Trim(c.Code, "0123456789") != "" {
		return bad("code must be 6 digits")
	}
	if strings.TrimSpace(safetext.Clean(c.Merchant, maxMerchantRunes)) == "" {
		return bad("merchant name is empty")
	}
	if c.Amount < 0 {
		return bad("negative amount %d", c.Amount)
	}
	if !money.NoPurchase(c.Amount, c.Currency) && (len(c.Currency) != 3 || strings.Trim(c.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		return bad("currency %q: want an ISO 4217 code such as JPY", c.Currency)
	}
	if c.At.IsZero() {
		return bad("transaction time is not set")
	}
	if strings.TrimSpace(safetext.Clean(c.IssuerName, maxMerchantRunes)) == "" {
		return bad("issuer name is empty")
	}
	return nil
}

// jst is the zone every time in a code mail is shown in: Japanese issuers
// state transaction times in Japan time whatever the merchant's country.
// Japan has had no DST since 1951, so the fixed zone is exact when the
// system has no tzdata.
var jst = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return loc
	}
	return time.FixedZone("JST", 9*60*60)
}()

func formatDate(t time.Time, locale string) string {
	t = t.In(jst)
	if locale == "ja" {
		return t.Format("2006年1月2日 15:04") + "（日本時間）"
	}
	return t.Format("2006-01-02 15:04") + " (JST)"
}

// codeView is what the templates see: every value already formatted.
type codeView struct {
	IssuerName   string
	Code         string
	Merchant     string
	Amount       string
	Date         string
	ValidMinutes int
}

// rendered is a code mail ready for the wire.
type rendered struct {
	subject, text, html string
}

//go:embed templates
var templateFS embed.FS

type localeTemplates struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template
}

// loadTemplates parses the embedded templates once. It returns an error
// rather than panicking: a broken template must fail the send that needs
// it (and the tests), not crash the issuer at start.
var loadTemplates = sync.OnceValues(func() (map[string]localeTemplates, error) {
	out := make(map[string]localeTemplates)
	for _, loc := range []string{"en", "ja"} {
		var lt localeTemplates
		var err error
		dir := "templates/" + loc + "/"
		if lt.subject, err = texttemplate.New("subject.txt").Option("missingkey=error").ParseFS(templateFS, dir+"subject.txt"); err != nil {
			return nil, fmt.Errorf("dispatch: parse %s subject template: %w", loc, err)
		}
		if lt.text, err = texttemplate.New("body.txt").Option("missingkey=error").ParseFS(templateFS, dir+"body.txt"); err != nil {
			return nil, fmt.Errorf("dispatch: parse %s text template: %w", loc, err)
		}
		if lt.html, err = htmltemplate.New("body.html").Option("missingkey=error").ParseFS(templateFS, dir+"body.html"); err != nil {
			return nil, fmt.Errorf("dispatch: parse %s html template: %w", loc, err)
		}
		out[loc] = lt
	}
	return out, nil
})

// render validates c and produces the subject and both alternatives. The
// text part is plain text (no escaping needed, control characters removed);
// the HTML part is escaped by html/template, because the merchant name is
// whatever the merchant typed.
func render(c CodeMail) (rendered, error) {
	if err := c.validate(); err != nil {
		return rendered{}, err
	}
	all, err := loadTemplates()
	if err != nil {
		return rendered{}, err
	}
	t := all[c.Locale]
	v := codeView{
		IssuerName: safetext.Clean(c.IssuerName, maxMerchantRunes),
		Code:       c.Code,
		Merchant:   safetext.Clean(c.Merchant, maxMerchantRunes),
		Amount:     money.Format(c.Amount, c.Currency, c.Locale),
		Date:       formatDate(c.At, c.Locale),
		// The mail states how long the code works: the purchase policy's
		// lifetime, the figure the challenge token lives by.
		ValidMinutes: int(onetime.Purchase.Lifetime / time.Minute),
	}
	var subject, text, html bytes.Buffer
	if err := t.subject.Execute(&subject, v); err != nil {
		return rendered{}, fmt.Errorf("dispatch: render subject: %w", err)
	}
	if err := t.text.Execute(&text, v); err != nil {
		return rendered{}, fmt.Errorf("dispatch: render text body: %w", err)
	}
	if err := t.html.Execute(&html, v); err != nil {
		return rendered{}, fmt.Errorf("dispatch: render html body: %w", err)
	}
	return rendered{
		subject: strings.Join(strings.Fields(subject.String()), " "), // one line, whatever the file holds
		text:    text.String(),
		html:    html.String(),
	}, nil
}
