package portal

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/onetime"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/safetext"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store"
)

// Changing the email address or phone: the new value gets a code, and only
// the code typed back makes it the card's destination (seed 001: "a
// changed email/phone redirects codes with no further step"; the step
// before is proving the new destination is the cardholder's). The swap is
// one store transaction; the old address hears of it. The code's numbers
// (lifetime, tries, resends and their cooldown, codes per card a day) are
// onetime.ContactChange's; the store enforces them.
var contactCode = onetime.ContactChange

// contactKind is the {kind} of /portal/contact/{kind}: email or sms; ""
// for anything else.
func (s *Server) contactKind(r *http.Request) issuer.Method {
	switch k := issuer.Method(r.PathValue("kind")); k {
	case issuer.MethodEmail:
		return k
	case issuer.MethodSMS:
		if s.cfg.SMS != nil {
			return k
		}
	}
	return ""
}

// contactData is the contact pages' data.
type contactData struct {
	Kind    issuer.Method // email or sms
	Current string        // masked; "" when none is registered
	// Value is what the cardholder typed, kept after a refusal.
	Value string
	// Pending is the masked new destination waiting for its code.
	Pending string
	// ForMethod: the cardholder came from picking SMS on the method page.
	ForMethod bool
	Error     string // catalogue key
	ErrorArg  any
	// Rules are the code's numbers the pages state.
	Rules codeRules
}

// normalizeContact checks a typed address or phone and returns it as
// stored (a bare address; a phone in E.164), or a catalogue key saying
// what is wrong.
func normalizeContact(kind issuer.Method, v string) (string, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", "contact.error.empty"
	}
	if kind == issuer.MethodSMS {
		p, err := sms.ParsePhone(v)
		if err != nil {
			return "", "contact.error.phone"
		}
		return p, ""
	}
	// Only a bare address: a display name ("Taro <t@mail.jp>") or a
	// comment would be shown back and mailed, and is not an address.
	if !dispatch.BareAddress(v) {
		return "", "contact.error.email"
	}
	return v, ""
}

func (s *Server) contactCurrent(c issuer.Cardholder, kind issuer.Method) (raw, masked string) {
	if kind == issuer.MethodSMS {
		return c.Phone, maskedPhone(c.Phone)
	}
	return c.Email, maskedEmail(c.Email)
}

// contactCard is the preamble of every contact page: the kind in the path
// (404 for another) and the managed card.
func (s *Server) contactCard(w http.ResponseWriter, r *http.Request, sess *Session) (issuer.Method, issuer.Cardholder, bool) {
	kind := s.contactKind(r)
	if kind == "" {
		s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
		return "", issuer.Cardholder{}, false
	}
	c, ok := s.managedCard(w, r, sess)
	return kind, c, ok
}

// contactPage (GET /portal/contact/{kind}) asks for the new value.
func (s *Server) contactPage(w http.ResponseWriter, r *http.Request, sess *Session) {
	kind, c, ok := s.contactCard(w, r, sess)
	if !ok {
		return
	}
	_, cur := s.contactCurrent(c, kind)
	s.render(w, r, sess, http.StatusOK, "contact", contactData{Kind: kind, Current: cur, ForMethod: r.URL.Query().Get("for") == "method",
		Rules: rulesOf(contactCode)})
}

// contactBegin (POST /portal/contact/{kind}) sends a code to the new value.
func (s *Server) contactBegin(w http.ResponseWriter, r *http.Request, sess *Session) {
	kind, c, ok := s.contactCard(w, r, sess)
	if !ok {
		return
	}
	raw, cur := s.contactCurrent(c, kind)
	typed := r.PostFormValue("value")
	data := contactData{Kind: kind, Current: cur, Value: typed, ForMethod: r.PostFormValue("for") == "method", Rules: rulesOf(contactCode)}
	value, bad := normalizeContact(kind, typed)
	if bad == "" && strings.EqualFold(value, raw) {
		bad = "contact.error.same"
	}
	if bad != "" {
		data.Error = bad
		s.render(w, r, sess, http.StatusBadRequest, "contact", data)
		return
	}
	now := s.now()
	code := contactCode.Generate()
	ch, err := s.store.BeginContactChange(r.Context(), store.ContactChange{CardholderID: c.ID, Kind: kind, Value: value,
		Code: s.cfg.Vault.Seal([]byte(code), store.ContactCodeAAD(c.ID, kind, value)), ExpiresAt: contactCode.Expires(now),
		CreatedAt: now}, contactCode.Window, contactCode.DailyCap)
	if errors.Is(err, store.ErrSendLimit) {
		data.Error, data.ErrorArg = "contact.error.limit", contactCode.DailyCap
		s.render(w, r, sess, http.StatusTooManyRequests, "contact", data)
		return
	}
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if err := s.sendContactCode(r, c, ch, code); err != nil {
		s.log.Warn("portal: contact code not sent", "cardholder", c.ID, "kind", kind, "err", err)
		if err := s.store.VoidContactChange(r.Context(), ch.ID, now); err != nil {
			s.serverError(w, r, sess, err)
			return
		}
		data.Error = "contact.error.send"
		s.render(w, r, sess, http.StatusBadGateway, "contact", data)
		return
	}
	to := "/portal/contact/" + string(kind) + "/verify"
	if data.ForMethod {
		to += "?for=method"
	}
	s.redirect(w, r, to, "contact.flash.sent")
}

// sendContactCode sends code for change ch to the new destination.
func (s *Server) sendContactCode(r *http.Request, c issuer.Cardholder, ch store.ContactChange, code string) error {
	locale := cardLocale(c)
	if ch.Kind == issuer.MethodEmail {
		return s.cfg.Mail.SendNotice(r.Context(), dispatch.Notice{Kind: dispatch.NoticeContactCode, To: ch.Value, Locale: locale,
			IssuerName: s.cfg.IssuerName, Last4: c.Last4, Code: code, Expires: ch.ExpiresAt})
	}
	_, err := s.cfg.SMS.Send(r.Context(), sms.Message{To: ch.Value, Body: contactSMSText(locale, s.cfg.IssuerName, c.Last4, code),
		ID: fmt.Sprintf("contact-%d-%d", ch.ID, ch.Sends)})
	return err
}

// contactSMSText is the confirmation SMS: who sends it, the code, what it
// is for, how long it lasts and not to pass it on.
func contactSMSText(locale, issuer, last4, code string) string {
	issuer = safetext.Clean(issuer, 16)
	mins := int(contactCode.Lifetime / time.Minute)
	if locale == "ja" {
		return fmt.Sprintf("【%s】確認コード %s\nカード末尾%sの本人認証に使う電話番号の登録です。%d分間有効。他人に教えないでください。", issuer, code, last4, mins)
	}
	return fmt.Sprintf("%s: code %s confirms this phone for one-time passwords of your card ending %s. Valid %d min. Never share it.",
		issuer, code, last4, mins)
}

// cardLocale is the card's language for mail and SMS: ja or en.
func cardLocale(c issuer.Cardholder) string {
	if strings.HasPrefix(strings.ToLower(c.Locale), "en") {
		return "en"
	}
	return "ja"
}

// contactVerifyPage (GET /portal/contact/{kind}/verify) asks for the code.
func (s *Server) contactVerifyPage(w http.ResponseWriter, r *http.Request, sess *Session) {
	s.renderVerify(w, r, sess, http.StatusOK, "", nil)
}

func (s *Server) renderVerify(w http.ResponseWriter, r *http.Request, sess *Session, status int, errKey string, arg any) {
	kind, c, ok := s.contactCard(w, r, sess)
	if !ok {
		return
	}
	_, cur := s.contactCurrent(c, kind)
	data := contactData{Kind: kind, Current: cur, Error: errKey, ErrorArg: arg, Rules: rulesOf(contactCode),
		ForMethod: r.URL.Query().Get("for") == "method" || r.PostFormValue("for") == "method"}
	ch, err := s.store.PendingContactChange(r.Context(), c.ID, kind, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Expired, used up or never begun: start again.
		if data.Error == "" {
			data.Error = "contact.error.expired"
			status = http.StatusGone
		}
		s.render(w, r, sess, status, "contact", data)
		return
	case err != nil:
		s.serverError(w, r, sess, err)
		return
	}
	data.Pending = maskContact(kind, ch.Value)
	s.render(w, r, sess, status, "contact_verify", data)
}

func maskContact(kind issuer.Method, v string) string {
	if kind == issuer.MethodSMS {
		return maskedPhone(v)
	}
	return maskedEmail(v)
}

// contactVerify (POST /portal/contact/{kind}/verify) checks the code and,
// when it is right, makes the new value the card's destination.
func (s *Server) contactVerify(w http.ResponseWriter, r *http.Request, sess *Session) {
	kind := s.contactKind(r)
	if kind == "" {
		s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
		return
	}
	typed, err := contactCode.Normalize(r.PostFormValue("code"))
	if err != nil {
		// Not a code: refused before any comparison, and not counted.
		s.renderVerify(w, r, sess, http.StatusBadRequest, "contact.error.codeform", contactCode.Digits)
		return
	}
	now := s.now()
	ch, ok := s.pendingChange(w, r, sess, sess.CardholderID, kind, now)
	if !ok {
		return
	}
	code, err := s.cfg.Vault.Open(ch.Code, store.ContactCodeAAD(ch.CardholderID, ch.Kind, ch.Value))
	if err != nil {
		s.serverError(w, r, sess, fmt.Errorf("portal: open contact code %d: %w", ch.ID, err))
		return
	}
	if subtle.ConstantTimeCompare(code, []byte(typed)) != 1 {
		left, err := s.store.WrongContactCode(r.Context(), ch.ID, now, contactCode.Tries)
		if errors.Is(err, store.ErrNotFound) {
			s.renderVerify(w, r, sess, http.StatusGone, "contact.error.expired", nil)
			return
		}
		if err != nil {
			s.serverError(w, r, sess, err)
			return
		}
		if left == 0 {
			s.renderVerify(w, r, sess, http.StatusBadRequest, "contact.error.toomany", contactCode.Tries)
			return
		}
		s.renderVerify(w, r, sess, http.StatusBadRequest, "contact.error.wrong", left)
		return
	}
	old, err := s.store.CompleteContactChange(r.Context(), ch.ID, now)
	if errors.Is(err, store.ErrNotFound) {
		// Another request used or voided it a moment ago.
		s.renderVerify(w, r, sess, http.StatusGone, "contact.error.expired", nil)
		return
	}
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.log.Info("portal: contact changed", "cardholder", ch.CardholderID, "kind", kind)
	flash := "contact.flash.changed." + string(kind)
	if !s.noticeContactChanged(r, ch, old) {
		flash = "contact.flash.changed_nonotice"
	}
	to := "/portal/method"
	if r.PostFormValue("for") == "method" {
		// The cardholder picked this method before registering the
		// destination: back to that pick's confirmation, one click from
		// done.
		to = "/portal/method/confirm?method=" + string(kind)
	}
	s.redirect(w, r, to, flash)
}

// noticeContactChanged tells the old address (for a phone change, the
// registered address) that the destination changed. It reports whether
// the notice went out; the change stands either way.
func (s *Server) noticeContactChanged(r *http.Request, ch store.ContactChange, old string) bool {
	c, err := s.store.Cardholder(r.Context(), ch.CardholderID)
	if err != nil {
		s.log.Warn("portal: contact changed notice", "cardholder", ch.CardholderID, "err", err)
		return false
	}
	to := c.Email
	if ch.Kind == issuer.MethodEmail {
		to = old
	}
	if to == "" {
		return false
	}
	err = s.cfg.Mail.SendNotice(r.Context(), dispatch.Notice{Kind: dispatch.NoticeContactChanged, To: to, Locale: cardLocale(c),
		IssuerName: s.cfg.IssuerName, Last4: c.Last4, Contact: string(ch.Kind), Dest: maskContact(ch.Kind, ch.Value)})
	if err != nil {
		s.log.Warn("portal: contact changed notice", "cardholder", ch.CardholderID, "err", err)
		return false
	}
	return true
}

// pendingChange is the card's change of kind waiting for its code; when
// there is none (expired, used up, never begun) it answers the page that
// says so.
func (s *Server) pendingChange(w http.ResponseWriter, r *http.Request, sess *Session, cardholderID int64, kind issuer.Method, now time.Time) (store.ContactChange, bool) {
	ch, err := s.store.PendingContactChange(r.Context(), cardholderID, kind, now)
	if errors.Is(err, store.ErrNotFound) {
		s.renderVerify(w, r, sess, http.StatusGone, "contact.error.expired", nil)
		return ch, false
	}
	if err != nil {
		s.serverError(w, r, sess, err)
		return ch, false
	}
	return ch, true
}

// contactResend (POST /portal/contact/{kind}/resend) sends a new code;
// the earlier one stops working.
func (s *Server) contactResend(w http.ResponseWriter, r *http.Request, sess *Session) {
	kind, c, ok := s.contactCard(w, r, sess)
	if !ok {
		return
	}
	now := s.now()
	ch, ok := s.pendingChange(w, r, sess, c.ID, kind, now)
	if !ok {
		return
	}
	code := contactCode.Generate()
	ch, err := s.store.ResendContactCode(r.Context(), ch.ID, s.cfg.Vault.Seal([]byte(code), store.ContactCodeAAD(c.ID, kind, ch.Value)),
		now, contactCode.Expires(now), contactCode.Cooldown, contactCode.Sends(), contactCode.Window, contactCode.DailyCap)
	var cool *store.CooldownError
	switch {
	case errors.As(err, &cool):
		setRetryAt(w, cool.RetryAt, now)
		s.renderVerify(w, r, sess, http.StatusTooManyRequests, "contact.error.cooldown", int(cool.RetryAt.Sub(now).Seconds()+0.999))
		return
	case errors.Is(err, store.ErrResendLimit):
		s.renderVerify(w, r, sess, http.StatusTooManyRequests, "contact.error.resendlimit", contactCode.Resends)
		return
	case errors.Is(err, store.ErrSendLimit):
		s.renderVerify(w, r, sess, http.StatusTooManyRequests, "contact.error.limit", contactCode.DailyCap)
		return
	case errors.Is(err, store.ErrNotFound):
		s.renderVerify(w, r, sess, http.StatusGone, "contact.error.expired", nil)
		return
	case err != nil:
		s.serverError(w, r, sess, err)
		return
	}
	if err := s.sendContactCode(r, c, ch, code); err != nil {
		s.log.Warn("portal: contact code not resent", "cardholder", c.ID, "kind", kind, "err", err)
		s.renderVerify(w, r, sess, http.StatusBadGateway, "contact.error.send", nil)
		return
	}
	to := "/portal/contact/" + string(kind) + "/verify"
	if r.PostFormValue("for") == "method" {
		to += "?for=method"
	}
	s.redirect(w, r, to, "contact.flash.resent")
}
