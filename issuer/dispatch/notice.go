package dispatch

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/issuer/safetext"
)

// Notice kinds: mails that tell the cardholder something about their
// credentials rather than carry a purchase's code.
const (
	// NoticeLocked: a credential was locked after too many wrong codes.
	NoticeLocked = "locked"
	// NoticeAppPassword: the registration password for an authenticator
	// app, the half of the app registration that travels by mail (seed
	// 000: the ID is shown on screen, the password mailed, so neither
	// channel alone registers an app).
	NoticeAppPassword = "app_password"
	// NoticePortalCode: a one-time code for the cardholder portal (its
	// sign-in, or linking a card to a combined login), sent to the card's
	// registered address.
	NoticePortalCode = "portal_code"
	// NoticeContactCode: the code that proves the cardholder receives at a
	// new email address (a new phone gets it by SMS), before the portal
	// sends any purchase's code there.
	NoticeContactCode = "contact_code"
	// NoticeContactChanged: to the OLD address, after the email or phone
	// was changed: if someone else did it, the cardholder hears of it
	// where they still read.
	NoticeContactChanged = "contact_changed"
	// NoticeFraudReport: to the issuer's operator, not the cardholder: a
	// cardholder marked an authentication "this was not me" in the
	// portal. It names the card by its last 4 digits and the purchase by
	// its authentication id, merchant, amount and time; never the card
	// number or a code.
	NoticeFraudReport = "fraud_report"
)

// Notice is one notice mail. Fields a kind does not use stay empty.
type Notice struct {
	Kind       string
	To         string
	Locale     string // "ja" or "en"
	IssuerName string
	// Last4 is the card the notice is about.
	Last4 string
	// Method is the locked credential's kind (email, sms, app, token), for
	// NoticeLocked; Serial the token's serial ending.
	Method, Serial string
	// Failures is how many wrong codes in a row locked it.
	Failures int
	// Password and Expires are the app registration password and when it
	// stops working, for NoticeAppPassword.
	Password string
	Expires  time.Time
	// Code is the 6-digit code of NoticePortalCode (the portal's sign-in
	// and card linking) and NoticeContactCode (a new address's
	// confirmation), valid until Expires. Contact is what changed, "email"
	// or "sms", and Dest the new destination, masked, for
	// NoticeContactChanged.
	Code, Contact, Dest string
	// Authentication, Merchant (the name the cardholder was shown),
	// MerchantID, Amount (minor units of Currency) and At (the purchase's
	// time) are the reported purchase of NoticeFraudReport; Listed the
	// deny list kinds the report added (device, address, merchant).
	Authentication string
	Merchant       string
	MerchantID     int64
	Amount         int64
	Currency       string
	At             time.Time
	Listed         []string
}

func (n Notice) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: notice: %s", ErrInvalidCodeMail, fmt.Sprintf(format, a...))
	}
	if _, err := mail.ParseAddress(n.To); err != nil {
		return bad("recipient: %v", err)
	}
	if n.Locale != "ja" && n.Locale != "en" {
		return bad("locale %q: want ja or en", n.Locale)
	}
	if strings.TrimSpace(safetext.Clean(n.IssuerName, maxMerchantRunes)) == "" {
		return bad("issuer name is empty")
	}
	switch n.Kind {
	case NoticeLocked:
		if n.Method == "" || n.Failures < 1 {
			return bad("locked notice needs the method and the failure count")
		}
	case NoticeAppPassword:
		if n.Password == "" || n.Expires.IsZero() {
			return bad("app password notice needs the password and its expiry")
		}
	case NoticePortalCode, NoticeContactCode:
		if len(n.Code) != 6 || strings.Trim(n.Code, "0123456789") != "" || n.Expires.IsZero() {
			return bad("%s notice needs a 6-digit code and its expiry", n.Kind)
		}
	case NoticeContactChanged:
		if (n.Contact != "email" && n.Contact != "sms") || n.Dest == "" {
			return bad("contact changed notice needs what changed (email or sms) and the masked destination")
		}
	case NoticeFraudReport:
		switch {
		case len(n.Last4) != 4 || strings.Trim(n.Last4, "0123456789") != "":
			return bad("fraud report notice needs the card's last 4 digits")
		case n.Authentication == "" || strings.TrimSpace(safetext.Clean(n.Merchant, maxMerchantRunes)) == "" || n.At.IsZero():
			return bad("fraud report notice needs the authentication, the merchant and the purchase time")
		case n.Amount < 0 || (!money.NoPurchase(n.Amount, n.Currency) &&
			(len(n.Currency) != 3 || strings.Trim(n.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "")):
			return bad("fraud report notice needs the amount and its currency")
		}
		for _, k := range n.Listed {
			if _, ok := listedNames[n.Locale][k]; !ok {
				return bad("fraud report notice: unknown deny list kind %q", k)
			}
		}
	default:
		return bad("unknown kind %q", n.Kind)
	}
	return nil
}

// noticeView is what the notice templates see.
type noticeView struct {
	IssuerName, Last4, Method, Serial, Password, Expires string
	Code, Contact, Dest                                  string
	Failures                                             int
	// The reported purchase (NoticeFraudReport), formatted.
	Authentication, Merchant, Amount, Date, Listed string
	MerchantID                                     int64
}

// listedNames are the deny list kinds as an operator reads them.
var listedNames = map[string]map[string]string{
	"ja": {"device": "端末", "address": "IPアドレス", "merchant": "加盟店"},
	"en": {"device": "the device", "address": "the network address", "merchant": "the merchant"},
}

// methodNames are the credential kinds as a cardholder reads them.
var methodNames = map[string]map[string]string{
	"ja": {"email": "メールのワンタイムパスワード", "sms": "SMSのワンタイムパスワード", "app": "認証アプリ",
		"token": "ハードウェアトークン", "password": "パスワード"},
	"en": {"email": "email one-time password", "sms": "SMS one-time password", "app": "authenticator app",
		"token": "hardware token", "password": "password"},
}

// loadNotices parses the notice templates once: templates/<locale>/<kind>.txt,
// whose first line is the subject and the rest, after a blank line, the body.
var loadNotices = sync.OnceValues(func() (map[string]*texttemplate.Template, error) {
	out := make(map[string]*texttemplate.Template)
	for _, loc := range []string{"en", "ja"} {
		for _, kind := range []string{NoticeLocked, NoticeAppPassword, NoticePortalCode, NoticeContactCode, NoticeContactChanged, NoticeFraudReport} {
			name := "templates/" + loc + "/" + kind + ".txt"
			t, err := texttemplate.New(kind+".txt").Option("missingkey=error").ParseFS(templateFS, name)
			if err != nil {
				return nil, fmt.Errorf("dispatch: parse %s: %w", name, err)
			}
			out[loc+"/"+kind] = t
		}
	}
	return out, nil
})

// renderNotice validates n and renders its subject and text body. Notices
// are plain text: nothing in them needs layout, and no untrusted text
// (a merchant name) goes into them but the operator's fraud report, where
// it is cleaned of control characters and capped like in a code mail.
func renderNotice(n Notice) (rendered, error) {
	if err := n.validate(); err != nil {
		return rendered{}, err
	}
	all, err := loadNotices()
	if err != nil {
		return rendered{}, err
	}
	v := noticeView{
		IssuerName: safetext.Clean(n.IssuerName, maxMerchantRunes),
		Last4:      n.Last4,
		Method:     methodNames[n.Locale][n.Method],
		Serial:     n.Serial,
		Password:   n.Password,
		Code:       n.Code,
		Contact:    n.Contact,
		Dest:       n.Dest,
		Failures:   n.Failures,
	}
	if !n.Expires.IsZero() {
		v.Expires = formatDate(n.Expires, n.Locale)
	}
	if n.Kind == NoticeFraudReport {
		v.Authentication, v.MerchantID = n.Authentication, n.MerchantID
		v.Merchant = safetext.Clean(n.Merchant, maxMerchantRunes)
		v.Amount = money.Format(n.Amount, n.Currency, n.Locale)
		v.Date = formatDate(n.At, n.Locale)
		sep := ", "
		if n.Locale == "ja" {
			sep = "、"
		}
		names := make([]string, 0, len(n.Listed))
		for _, k := range n.Listed {
			names = append(names, listedNames[n.Locale][k])
		}
		v.Listed = strings.Join(names, sep)
	}
	var b bytes.Buffer
	if err := all[n.Locale+"/"+n.Kind].Execute(&b, v); err != nil {
		return rendered{}, fmt.Errorf("dispatch: render %s notice: %w", n.Kind, err)
	}
	subject, body, ok := strings.Cut(b.String(), "\n")
	if !ok {
		return rendered{}, fmt.Errorf("dispatch: %s notice template has no body", n.Kind)
	}
	return rendered{subject: strings.TrimSpace(subject), text: strings.TrimLeft(body, "\n")}, nil
}

// SendNotice renders n in its locale and sends it, with the same
// guarantees as SendCode.
func (m *Mailer) SendNotice(ctx context.Context, n Notice) error {
	err := func() error {
		r, err := renderNotice(n)
		if err != nil {
			return err
		}
		msg, err := m.message(n.To, n.Locale, r)
		if err != nil {
			return err
		}
		return m.send(ctx, msg)
	}()
	if err != nil {
		if a, perr := mail.ParseAddress(n.To); perr == nil {
			err = redactAddr(err, a.Address)
		}
		return fmt.Errorf("dispatch: send %s notice: %w", n.Kind, err)
	}
	return nil
}
