package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/sms"
	"github.com/honnin/honnin/issuer/store"
)

// The method change is three clicks from the method page (seed 001):
// pick a method (a radio button), Next (GET /portal/method/confirm, which
// says what will change), Change (POST /portal/method, then the done
// page). The first two change nothing, so only the POST carries the CSRF
// token; a method the card cannot use yet leads to where it becomes
// usable (the app to app registration, SMS without a phone to the phone
// change) instead of to the confirmation.

// Choice states: what picking a method leads to.
const (
	choiceReady    = "ready"    // confirm, then it is the method
	choiceRegister = "register" // no app yet: app registration first
	choiceContact  = "contact"  // no address or phone yet: the contact change first
	choiceLocked   = "locked"   // every credential of it is locked: not offered
)

// methodChoice is one line of the method page.
type methodChoice struct {
	Method issuer.Method
	// Dest is where codes go, masked ("***@mail.jp", "***-****-1234"),
	// or the tokens' serial endings; "" for the app and the password.
	Dest    string
	State   string // choice...
	Current bool
}

// methodChoices lists what the card can be switched to: email, SMS (when
// the issuer sends SMS, or it is the card's method already) and the app
// always; tokens when the card holds one; the static password only while
// it is the card's method (it is the legacy method: nobody moves to it).
func (s *Server) methodChoices(ctx context.Context, c issuer.Cardholder) ([]methodChoice, error) {
	creds, err := s.store.CredentialsOf(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("portal: method choices: %w", err)
	}
	held := map[issuer.Method]int{}   // non-revoked credentials per kind
	active := map[issuer.Method]int{} // active ones
	var tokenEnds []string
	for _, cr := range creds {
		held[cr.Kind]++
		if cr.State == issuer.CredActive {
			active[cr.Kind]++
			if cr.Kind == issuer.MethodToken {
				tokenEnds = append(tokenEnds, serialEnd(cr.Serial))
			}
		}
	}
	state := func(kind issuer.Method) string {
		switch {
		case held[kind] > 0 && active[kind] == 0:
			return choiceLocked
		case kind == issuer.MethodApp && held[kind] == 0:
			return choiceRegister
		}
		return choiceReady
	}
	var out []methodChoice
	add := func(kind issuer.Method, dest, st string) {
		out = append(out, methodChoice{Method: kind, Dest: dest, State: st, Current: c.PreferredMethod == kind})
	}
	emailState := state(issuer.MethodEmail)
	if c.Email == "" {
		emailState = choiceContact
	}
	add(issuer.MethodEmail, maskedEmail(c.Email), emailState)
	if s.cfg.SMS != nil || c.PreferredMethod == issuer.MethodSMS {
		smsState := state(issuer.MethodSMS)
		if c.Phone == "" {
			smsState = choiceContact
		}
		add(issuer.MethodSMS, maskedPhone(c.Phone), smsState)
	}
	add(issuer.MethodApp, "", state(issuer.MethodApp))
	if held[issuer.MethodToken] > 0 {
		add(issuer.MethodToken, strings.Join(tokenEnds, ", "), state(issuer.MethodToken))
	}
	if c.PreferredMethod == issuer.MethodPassword {
		add(issuer.MethodPassword, "", state(issuer.MethodPassword))
	}
	return out, nil
}

func maskedEmail(e string) string {
	if e == "" {
		return ""
	}
	return dispatch.MaskEmail(e)
}

func maskedPhone(p string) string {
	if p == "" {
		return ""
	}
	return sms.MaskPhone(p)
}

// serialEnd is how a token is named to its holder: "…0002", enough to
// tell two apart, too little to help anyone else.
func serialEnd(serial string) string {
	if len(serial) > 4 {
		serial = serial[len(serial)-4:]
	}
	return "…" + serial
}

// methodPageData is the method page: the choices, the card's method and,
// after a refused pick, why.
type methodPageData struct {
	Choices []methodChoice
	Current issuer.Method
	// SMS: the issuer sends SMS, so a phone can be registered; Tokens: the
	// card holds tokens (links to their pages).
	SMS, Tokens bool
	Error       string // catalogue key
}

func (s *Server) methodPage(w http.ResponseWriter, r *http.Request, sess *Session) {
	s.renderMethods(w, r, sess, http.StatusOK, "")
}

func (s *Server) renderMethods(w http.ResponseWriter, r *http.Request, sess *Session, status int, errKey string) {
	c, choices, err := s.cardChoices(r.Context(), sess)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	data := methodPageData{Choices: choices, Current: c.PreferredMethod, SMS: s.cfg.SMS != nil, Error: errKey}
	_, data.Tokens = find(choices, issuer.MethodToken)
	s.render(w, r, sess, status, "method", data)
}

// cardChoices loads the managed card and its choices.
func (s *Server) cardChoices(ctx context.Context, sess *Session) (issuer.Cardholder, []methodChoice, error) {
	c, err := s.store.Cardholder(ctx, sess.CardholderID)
	if err != nil {
		return issuer.Cardholder{}, nil, err
	}
	choices, err := s.methodChoices(ctx, c)
	return c, choices, err
}

// find returns the choice of method.
func find(choices []methodChoice, method issuer.Method) (methodChoice, bool) {
	for _, ch := range choices {
		if ch.Method == method {
			return ch, true
		}
	}
	return methodChoice{}, false
}

// current is the card's own method among choices (bare when the card's
// method is not offered, which a hand-edited row could make).
func current(c issuer.Cardholder, choices []methodChoice) methodChoice {
	ch, ok := find(choices, c.PreferredMethod)
	if !ok {
		return methodChoice{Method: c.PreferredMethod, Current: true}
	}
	return ch
}

// methodConfirmData is the confirmation: from what to what.
type methodConfirmData struct {
	From, To methodChoice
}

// methodConfirm is click 2: Next on the method page.
func (s *Server) methodConfirm(w http.ResponseWriter, r *http.Request, sess *Session) {
	method := issuer.Method(r.URL.Query().Get("method"))
	if method == "" {
		s.renderMethods(w, r, sess, http.StatusBadRequest, "methods.error.none")
		return
	}
	c, choices, err := s.cardChoices(r.Context(), sess)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	to, ok := find(choices, method)
	switch {
	case !ok:
		s.renderMethods(w, r, sess, http.StatusBadRequest, "methods.error.unknown")
		return
	case to.Current:
		s.renderMethods(w, r, sess, http.StatusOK, "methods.error.same")
		return
	case to.State == choiceLocked:
		s.renderMethods(w, r, sess, http.StatusConflict, "methods.error.locked")
		return
	case to.State == choiceRegister:
		http.Redirect(w, r, "/portal/app?for=method", http.StatusSeeOther)
		return
	case to.State == choiceContact:
		http.Redirect(w, r, "/portal/contact/"+string(to.Method)+"?for=method", http.StatusSeeOther)
		return
	}
	s.render(w, r, sess, http.StatusOK, "method_confirm", methodConfirmData{From: current(c, choices), To: to})
}

// methodChange is click 3: Change on the confirmation.
func (s *Server) methodChange(w http.ResponseWriter, r *http.Request, sess *Session) {
	method := issuer.Method(r.PostFormValue("method"))
	_, choices, err := s.cardChoices(r.Context(), sess)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if to, ok := find(choices, method); !ok || to.State != choiceReady {
		// The page offered it, so the card changed meanwhile (a lock, a
		// release in another tab): show the current state.
		s.renderMethods(w, r, sess, http.StatusConflict, "methods.error.unusable")
		return
	}
	err = s.store.SetPreferredMethod(r.Context(), sess.CardholderID, method, "cardholder", s.now())
	if errors.Is(err, store.ErrMethodUnusable) {
		s.renderMethods(w, r, sess, http.StatusConflict, "methods.error.unusable")
		return
	}
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.redirect(w, r, "/portal/method/done", "methods.flash.changed")
}

// methodDone is the third page: what the card uses now.
func (s *Server) methodDone(w http.ResponseWriter, r *http.Request, sess *Session) {
	c, choices, err := s.cardChoices(r.Context(), sess)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "method_done", current(c, choices))
}
