package view

import (
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/edge/summary"
)

// ExpiryWarning is how long before the challenge expires the screen says
// so (Screen.Notice, a polite live region): time to finish typing, or to
// ask for a new code, without a countdown read aloud every second.
const ExpiryWarning = 20 * time.Second

// Labels are the fixed texts of the screen in the model's locale.
type Labels struct {
	Title     string
	Merchant  string
	Amount    string
	Date      string
	Card      string
	Message   string
	Code      string
	ExpiresIn string
	Send      string
	Cancel    string
	Retry     string

	// MessageNote sits under the personal message: what to do when it
	// is not the one the cardholder registered (a look-alike page cannot
	// know it).
	MessageNote string
}

// Screen is everything the challenge page shows at one instant. The
// browser side copies each field into the element of the same name and
// does nothing else; strings go in as text, never as HTML.
type Screen struct {
	Phase  Phase
	Lang   string // for <html lang>
	Labels Labels

	// Brand (#brand-name) is the issuer's name, the screen's brand line:
	// whose page this is. "" until the edge has named the issuer. Logo
	// (#brand-logo's src) is its logo, a data: URL (contract.ValidLogo),
	// "" for none. Both are the brand of the card's range when the issuer
	// runs several (contract.Issuer).
	Brand, Logo string
	// Color and Accent are the issuer's colours, #rrggbb or "" for the
	// page's own: the browser side sets them as the CSS custom properties
	// --brand (the primary button, under white text) and --accent (links).
	// Both keep contract.MinContrast with white.
	Color, Accent string
	// Help (#help) is one line under the heading: why this screen is
	// here.
	Help string

	// ShowSummary is set once the edge has sent transaction details.
	ShowSummary bool
	Merchant    string // #merchant
	Amount      string // #amount: "¥1,250", "1,250円" (as the code mail and SMS write it)
	Date        string // #date: in the chosen zone
	DateNote    string // #date-note
	ZoneToggle  string // #tz-toggle: the label of the button, "Show in GMT"
	Last4       string // #last4: "**** 1234"
	Message     string // #message: the cardholder's personal message
	Dest        string // #dest: "Code sent to ***@mail.jp", or what to enter for app, token, password
	Attempts    string // #attempts: "5 attempts left"
	// Countdown (#countdown) is the time left: for email, SMS and
	// password the challenge's validity ("9:58"), for app and token the
	// time until the code shown changes ("0:42"), which is what the
	// cardholder acts on (Labels.ExpiresIn says which).
	Countdown string

	ErrorCode string // the problem code behind Error, for the browser side's own decisions
	Error     string // #error: a message about the code or the last request
	Status    string // #status: loading, waiting, and final messages (may hold "\n")
	// Phone and Portal are the links under the Status of a locked card, a
	// denied payment or too many wrong codes: the issuer's phone
	// (#phone, an <a> to PhoneHref, a tel: URL) and cardholder portal
	// (#portal, an <a> to PortalHref, opened in a new tab). "" when the
	// issuer configured none, or on any other screen.
	Phone, PhoneHref   string
	Portal, PortalHref string
	// Notice (#notice, a polite live region) is what the cardholder should
	// hear without being interrupted: Cancel waits for a second press, the
	// challenge expires within ExpiryWarning, a new code was sent. One at
	// a time, in that order; each stays the same text while it holds, so
	// it is read once.
	Notice string

	// Password makes #code a password field (type=password,
	// autocomplete=current-password, maxlength=MaxPassword) instead of the
	// 6-digit one-time-code field.
	Password bool
	// NoCode: no code was sent for this challenge (a failed send, or the
	// destination's daily cap), so #code is disabled: nothing typed could
	// be right.
	NoCode bool

	CanSend    bool
	ShowResend bool
	CanResend  bool
	Resend     string // #resend label, with the wait while disabled: "Resend code (0:28)"
	ResendNote string // #resend-note: no more codes can be sent (email, SMS)
	CanCancel  bool
	CanRetry   bool // #retry: start again after a network or issuer failure while loading
	// Busy: a request is under way (aria-busy on the form). While a code
	// is checked, Labels.Send says so ("Checking…").
	Busy bool
}

// Screen returns what to show at now.
func (m *Model) Screen(now time.Time) Screen {
	t := textFor(m.locale)
	s := Screen{
		Phase:  m.phase,
		Lang:   string(m.locale),
		Labels: t.labels,
		Busy:   m.pending != None,
		Resend: t.resend,
		Brand:  m.issuer.Name,
		Logo:   m.issuer.Logo,
		Color:  m.issuer.Color,
		Accent: m.issuer.Accent,
		Help:   t.help,
	}
	if m.locale != Japanese {
		s.Lang = string(English)
	}
	if m.hasDisplay {
		m.summary(&s, t)
	}
	switch m.phase {
	case Loading:
		s.Status = t.loading
		if m.problem != "" && !s.Busy {
			s.Status = m.problemText(t, m.problem)
			s.CanRetry = true
		}
	case Challenge:
		m.challenge(&s, t, now)
	case Done:
		s.Status = m.resultText(t)
		if m.needsIssuer() {
			m.contact(&s, t)
		}
	case Failed:
		// Every way of failing ends here with an error the merchant page
		// acts on (Honnin.mount rejects with its code), and the cardholder
		// is on that page: the next step is there.
		s.Status = t.failed + "\n" + m.problemText(t, m.problem) + "\n" + t.startAgain
	}
	return s
}

func (m *Model) summary(s *Screen, t *text) {
	d := m.display
	s.ShowSummary = true
	s.Merchant = d.Merchant
	s.Amount = money.Format(d.Amount, d.Currency, string(m.locale))
	s.Date = summary.FormatDate(d.Date, m.zone, m.locale)
	if s.Date != "" {
		s.DateNote = t.dateNote
		s.ZoneToggle = t.showGMT
		if m.zone == GMT {
			s.ZoneToggle = t.showJST
		}
	}
	s.Last4 = summary.MaskLast4(d.Last4)
	s.Message = d.Message
}

func (m *Model) challenge(s *Screen, t *text, now time.Time) {
	d := m.display
	switch d.Method {
	case contract.MethodApp:
		s.Dest = t.appCode
	case contract.MethodToken:
		s.Dest = t.tokenCode(serials(d.Dest))
	case contract.MethodPassword:
		s.Dest = t.passwordPrompt
		s.Password = true
		s.Labels.Code = t.passwordLabel
	default: // email, sms
		if d.Dest != "" {
			sentTo := t.sentTo
			if d.Method == contract.MethodSMS {
				sentTo = t.smsSentTo
			}
			s.Dest = sentTo(d.Dest)
		}
	}
	if d.AttemptsLeft > 0 {
		s.Attempts = t.attemptsLeft(d.AttemptsLeft)
	}
	left := d.ExpiresAt.Sub(now)
	switch {
	case d.Method == contract.MethodApp || d.Method == contract.MethodToken:
		s.Labels.ExpiresIn = t.nextCodeIn
		s.Countdown = FormatCountdown(stepLeft(now, limits.TOTPPeriod))
	case !d.ExpiresAt.IsZero():
		s.Countdown = FormatCountdown(left)
	}
	expired := m.expired(now)
	s.ErrorCode = m.problem
	if s.ErrorCode == "" && expired {
		s.ErrorCode = "expired"
	}
	if s.ErrorCode != "" {
		s.Error = m.problemText(t, s.ErrorCode)
	}
	if s.Busy {
		s.Status = t.wait
	}
	if m.pending == Verify {
		s.Labels.Send = t.checking
	}
	switch {
	case m.cancelAsked(now) && !s.Busy:
		s.Labels.Cancel = t.cancelConfirm
		s.Notice = t.cancelAgain
	case !d.ExpiresAt.IsZero() && !expired && left <= ExpiryWarning:
		s.Notice = t.expiresSoon
	case m.newCode:
		s.Notice = t.newCodeSent(m.clock(m.resentAt))
	}
	s.NoCode = m.noCode()
	s.CanSend = !s.Busy && !expired && !s.NoCode
	s.CanCancel = !s.Busy
	s.ShowResend = m.resendable()
	if m.sendsCodes() && !s.ShowResend {
		s.ResendNote = t.noMoreCodes
	}
	wait := d.ResendAfter.Sub(now)
	s.CanResend = s.ShowResend && !s.Busy && !expired && wait <= 0
	if s.ShowResend && wait > 0 {
		// Round the wait up: the button must not read 0:00 while disabled.
		s.Resend = t.resend + " (" + FormatCountdown((wait + time.Second - 1).Truncate(time.Second)) + ")"
	}
}

// problemText is the message for code in the words of the challenge's
// method. A wrong code after a resend may be the code the resend replaced,
// which the edge cannot tell from any wrong code (the new challenge token
// seals only the new code): the message says when the newest was sent.
func (m *Model) problemText(t *text, code string) string {
	if code == contract.ReasonWrongCode && !m.resentAt.IsZero() {
		return t.wrongAfterResend(m.clock(m.resentAt)) + t.attemptsSuffix(m.display.AttemptsLeft)
	}
	return t.problemText(code, m.display.Method, m.resendable(), m.display.AttemptsLeft)
}

// clock writes the time of day of at in the zone the date is shown in:
// "12:03 JST".
func (m *Model) clock(at time.Time) string {
	return summary.FormatClock(at, m.zone)
}

// stepLeft is the time left in now's RFC 6238 step of period seconds: when
// the code an authenticator app or a token shows changes. It is read off
// the device's clock, as the app reads its own.
func stepLeft(now time.Time, period int) time.Duration {
	p := time.Duration(period) * time.Second
	into := time.Duration(now.UnixNano() % int64(p))
	if into < 0 {
		into += p
	}
	return p - into
}

// needsIssuer reports whether the result is one only the issuer can
// explain or undo: a locked card, a denied payment, too many wrong codes.
func (m *Model) needsIssuer() bool {
	r := m.result
	if r.Status == "Y" || r.Status == "A" || r.Reason == contract.ReasonCancelled {
		return false
	}
	return r.Reason == contract.ReasonCredentialLocked || r.Reason == contract.ReasonMaxAttempts ||
		r.Reason == contract.ReasonSuspectedFraud || r.Status == "R"
}

// contact sets the links to the issuer's phone and portal, where
// configured. The phone's link dials only its digits (and a leading +): a
// number written "0120-123-456" or "(03) 1234 5678" dials the same.
func (m *Model) contact(s *Screen, t *text) {
	c := m.issuer
	if tel := telURL(c.Phone); tel != "" {
		s.Phone, s.PhoneHref = t.callBefore+c.Phone+t.callAfter, tel
	}
	if c.Portal != "" {
		s.Portal, s.PortalHref = t.portal, c.Portal
	}
}

// telURL is the tel: URL of a phone number as people write it, "" when
// it has no digit.
func telURL(phone string) string {
	var b [4 + contract.IssuerPhoneMaxRunes]byte
	n := copy(b[:], "tel:")
	for i := 0; i < len(phone) && n < len(b); i++ {
		if c := phone[i]; '0' <= c && c <= '9' || c == '+' && n == 4 {
			b[n] = c
			n++
		}
	}
	if n == 4 || b[n-1] == '+' {
		return ""
	}
	return string(b[:n])
}

// resultText is the final screen of a result: what happened, in plain
// words, and what the cardholder can do next where they are (the merchant
// page got the result and acts on it). A denied or locked card names the
// issuer's contact, as configured (contract.Issuer).
func (m *Model) resultText(t *text) string {
	r := m.result
	var detail string
	switch {
	case r.Status == "Y" || r.Status == "A":
		return t.complete
	case r.Reason == contract.ReasonCancelled:
		return t.cancelled + "\n" + t.cancelledNext
	case r.Reason == contract.ReasonCredentialLocked:
		detail = t.locked(m.issuer)
	case r.Reason == contract.ReasonMaxAttempts:
		detail = t.tooMany(m.issuer)
	case r.Reason == contract.ReasonSuspectedFraud || r.Status == "R":
		detail = t.denied(m.issuer)
	case r.Reason == contract.ReasonTimedOut || r.Reason == "expired":
		detail = t.timedOut + " " + t.startAgain
	case r.Reason == contract.ReasonSuperseded:
		detail = t.superseded
	default:
		detail = t.notConfirmed + " " + t.startAgain
	}
	return t.failed + "\n" + detail
}
