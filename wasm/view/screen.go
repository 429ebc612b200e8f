package view

import (
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/money"
)

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
	Countdown   string // #countdown: "9:58"

	ErrorCode string // the problem code behind Error, for the browser side's own decisions
	Error     string // #error: a message about the code or the last request
	Status    string // #status: loading, waiting, and final messages (may hold "\n")

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
	Busy       bool
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
	case Failed:
		s.Status = t.failed + "\n" + m.problemText(t, m.problem)
	}
	return s
}

func (m *Model) summary(s *Screen, t *text) {
	d := m.display
	s.ShowSummary = true
	s.Merchant = d.Merchant
	s.Amount = money.Format(d.Amount, d.Currency, string(m.locale))
	s.Date = FormatDate(d.Date, m.zone, m.locale)
	if s.Date != "" {
		s.DateNote = t.dateNote
		s.ZoneToggle = t.showGMT
		if m.zone == GMT {
			s.ZoneToggle = t.showJST
		}
	}
	if d.Last4 != "" {
		s.Last4 = "**** " + d.Last4
	}
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
	if !d.ExpiresAt.IsZero() {
		s.Countdown = FormatCountdown(d.ExpiresAt.Sub(now))
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
// method.
func (m *Model) problemText(t *text, code string) string {
	return t.problemText(code, m.display.Method, m.resendable(), m.display.AttemptsLeft)
}

func (m *Model) resultText(t *text) string {
	r := m.result
	switch {
	case r.Status == "Y" || r.Status == "A":
		return t.complete
	case r.Reason == contract.ReasonCancelled:
		return t.cancelled
	}
	if detail, ok := lookup(t.reasons, r.Reason); ok {
		return t.failed + "\n" + detail
	}
	return t.failed
}
