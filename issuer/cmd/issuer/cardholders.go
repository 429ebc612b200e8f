package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store"
)

// maxText bounds the operator's free texts (range notes): one line of a
// listing.
const maxText = 100

func cardholderAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newOperatorCmd("cardholder add", "Enrolls a card: its holder's email (and phone for SMS), language, country, method\n"+
		"and personal message. The email and SMS credentials are made at once; an app is\n"+
		"registered afterwards with 'issuer app issue', a token with 'issuer token assign'. For\n"+
		"-method password the password is read from HONNIN_CARD_PASSWORD, never from a flag.\n"+
		"A card enrolled already is refused. The personal message is provisional (the cardholder\n"+
		"replaces it) unless -message-final.", stdout)
	card := c.need("card", "the card number (Luhn-checked)")
	email := c.need("email", "the cardholder's email address (codes and notices go there)")
	phone := c.String("phone", "", "the cardholder's mobile number, E.164 or Japanese national (090-1234-5678); needed for -method sms")
	locale := c.String("locale", "ja", "language of mails and SMS: ja or en")
	country := c.String("country", "JP", "the card's country, ISO 3166-1 alpha-2 (for the risk rules)")
	method := c.String("method", string(issuer.MethodEmail), "how codes arrive: email, sms, app, token or password")
	message := c.String("message", "", "the personal message shown on the challenge screen")
	final := c.Bool("message-final", false, "the message is the cardholder's own, not a provisional one")
	return c.run(ctx, args, func(o operator) error {
		n, err := pan.Parse(*card)
		if err != nil {
			return usageError{fmt.Sprintf("-card: %v", err)}
		}
		provisional := !*final
		ch := issuer.Cardholder{PreferredMethod: issuer.Method(*method),
			Locale: *locale, Country: *country, PersonalMessage: *message, MessageProvisional: provisional,
			Status: issuer.CardholderActive}
		if err := checkEnrolment(&ch, *email, *phone); err != nil {
			return err
		}
		var pw string
		if ch.PreferredMethod == issuer.MethodPassword {
			if pw = env("HONNIN_CARD_PASSWORD", ""); pw == "" {
				return usageError{"-method password: set HONNIN_CARD_PASSWORD to the static password"}
			}
			if !limits.ValidPassword(pw) {
				return usageError{fmt.Sprintf("HONNIN_CARD_PASSWORD: want 1 to %d characters of UTF-8", limits.PasswordMaxRunes)}
			}
		}
		ch, err = o.cards().Enrol(ctx, acs.Enrolment{Number: n, Holder: ch, Password: pw, Actor: "operator", At: time.Now()})
		if errors.Is(err, acs.ErrEnrolled) {
			return fmt.Errorf("card ending %s is enrolled already (see: issuer cardholder show -card ...)", n.Last4())
		}
		if err != nil {
			return err
		}
		msg := "none"
		if ch.PersonalMessage != "" {
			msg = "final"
			if provisional {
				msg = "provisional"
			}
		}
		phone := "-"
		if ch.Phone != "" {
			phone = sms.MaskPhone(ch.Phone)
		}
		fmt.Fprintf(stdout, "enrolled card ending %s: method %s, email %s, phone %s, locale %s, personal message %s\n",
			ch.Last4, ch.PreferredMethod, dispatch.MaskEmail(ch.Email), phone, ch.Locale, msg)
		switch ch.PreferredMethod {
		case issuer.MethodApp:
			fmt.Fprintln(stdout, "next: issuer app issue -card <number> (mails the registration password)")
		case issuer.MethodToken:
			fmt.Fprintln(stdout, "next: issuer token assign -serial <serial> -card <number>")
		}
		fmt.Fprintln(stdout, "portal: issuer cardholder portal-password -card <number> (the member site's password, printed once)")
		return nil
	})
}

// checkEnrolment validates and normalises what cardholder add was given
// into ch; every mistake is a usage error naming its flag.
func checkEnrolment(ch *issuer.Cardholder, email, phone string) error {
	if !dispatch.BareAddress(email) {
		return usageError{fmt.Sprintf("-email %q: want a plain address like taro@mail.jp", email)}
	}
	ch.Email = email
	if phone != "" {
		p, err := sms.ParsePhone(phone)
		if err != nil {
			return usageError{fmt.Sprintf("-phone: %v", err)}
		}
		ch.Phone = p
	}
	switch ch.PreferredMethod {
	case issuer.MethodEmail, issuer.MethodApp, issuer.MethodToken, issuer.MethodPassword:
	case issuer.MethodSMS:
		if ch.Phone == "" {
			return usageError{"-method sms needs -phone"}
		}
	default:
		return usageError{fmt.Sprintf("-method %q: want email, sms, app, token or password", ch.PreferredMethod)}
	}
	if ch.Locale != "ja" && ch.Locale != "en" {
		return usageError{fmt.Sprintf("-locale %q: want ja or en", ch.Locale)}
	}
	if len(ch.Country) != 2 || strings.ToUpper(ch.Country) != ch.Country || strings.IndexFunc(ch.Country, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return usageError{fmt.Sprintf("-country %q: want two capital letters (JP, US)", ch.Country)}
	}
	if ch.PersonalMessage != "" {
		// The portal's rule: what the challenge screen's box can show.
		msg, err := issuer.CheckPersonalMessage(ch.PersonalMessage)
		if err != nil {
			return usageError{fmt.Sprintf("-message: %v", err)}
		}
		ch.PersonalMessage = msg
	}
	return nil
}

// checkText says what is wrong with a text shown to people (a personal
// message, a merchant name, a note), or "": at most max characters, all
// printable, no spaces around.
func checkText(m string, max int) string {
	switch {
	case !utf8.ValidString(m):
		return "is not valid UTF-8"
	case utf8.RuneCountInString(m) > max:
		return fmt.Sprintf("must be at most %d characters", max)
	case strings.TrimSpace(m) != m:
		return "has leading or trailing spaces"
	case strings.IndexFunc(m, func(r rune) bool { return !unicode.IsGraphic(r) }) >= 0:
		return "contains a control or formatting character"
	}
	return ""
}

// cardholderRow is one line of cardholder list, and its JSON form.
type cardholderRow struct {
	Last4   string   `json:"last4"`
	Email   string   `json:"email"`
	Phone   string   `json:"phone,omitempty"`
	Method  string   `json:"method"`
	Status  string   `json:"status"`
	Locale  string   `json:"locale"`
	Locked  []string `json:"locked_credentials"`
	Created string   `json:"created"`
}

func cardholderList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newOperatorCmd("cardholder list", "Lists enrolled cards, newest first: last 4 digits, masked email and phone,\n"+
		"method, status and the locked credentials (kind:reason). Card numbers are never stored,\n"+
		"so they cannot be listed.", stdout)
	status := c.String("status", "", "only cards of this status: active, locked or closed")
	list := addListFlags(c.flags, "cards")
	return c.run(ctx, args, func(o operator) error {
		switch *status {
		case "", issuer.CardholderActive, issuer.CardholderLocked, issuer.CardholderClosed:
		default:
			return usageError{fmt.Sprintf("-status %q: want active, locked or closed", *status)}
		}
		if err := list.check(); err != nil {
			return err
		}
		chs, err := o.st.Cardholders(ctx, store.CardholderFilter{Status: *status, Limit: *list.limit})
		if err != nil {
			return err
		}
		rows := make([]cardholderRow, 0, len(chs))
		for _, ch := range chs {
			creds, err := o.st.CredentialsOf(ctx, ch.ID)
			if err != nil {
				return err
			}
			r := cardholderRow{Last4: ch.Last4, Email: dispatch.MaskEmail(ch.Email), Method: string(ch.PreferredMethod),
				Status: ch.Status, Locale: ch.Locale, Locked: []string{}, Created: ch.CreatedAt.Format(time.RFC3339)}
			if ch.Phone != "" {
				r.Phone = sms.MaskPhone(ch.Phone)
			}
			for _, cr := range creds {
				if cr.State == issuer.CredLocked {
					r.Locked = append(r.Locked, string(cr.Kind)+":"+cr.LockReason)
				}
			}
			rows = append(rows, r)
		}
		if *list.asJSON {
			return printJSON(stdout, rows)
		}
		tw := newTable(stdout, "CARD\tEMAIL\tPHONE\tMETHOD\tSTATUS\tLOCALE\tLOCKED")
		for _, r := range rows {
			fmt.Fprintf(tw, "*%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Last4, r.Email, orDash(r.Phone), r.Method, r.Status, r.Locale,
				orDash(strings.Join(r.Locked, ",")))
		}
		return tw.Flush()
	})
}
