package portal

import (
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/honnin/honnin/issuer"
)

// messagePage is the data of the personal message page.
type messagePage struct {
	// Saved is the message the challenge screen shows now; Draft what is
	// in the field (the saved one, or a rejected or previewed entry, kept
	// so nothing typed is lost).
	Saved, Draft string
	// Preview is the text shown in the preview box: the draft when the
	// cardholder asked for a preview, else the saved message.
	Preview    string
	Previewing bool
	Error      string // catalogue key
	Max        int
	MaxLines   int
}

// messagePage is GET /portal/message.
func (s *Server) messagePage(w http.ResponseWriter, r *http.Request, sess *Session) {
	c, ok := s.managedCard(w, r, sess)
	if !ok {
		return
	}
	s.render(w, r, sess, http.StatusOK, "message", newMessagePage(c, c.PersonalMessage))
}

func newMessagePage(c issuer.Cardholder, draft string) messagePage {
	return messagePage{Saved: c.PersonalMessage, Draft: draft,
		Preview: c.PersonalMessage, Max: issuer.MaxPersonalMessageRunes, MaxLines: issuer.MaxPersonalMessageLines}
}

// saveMessage is POST /portal/message: preview (the button named
// preview) or save the typed message. Saving ends the nag; the next
// challenge shows the new message.
func (s *Server) saveMessage(w http.ResponseWriter, r *http.Request, sess *Session) {
	c, ok := s.managedCard(w, r, sess)
	if !ok {
		return
	}
	draft := r.PostFormValue("message")
	if !utf8.ValidString(draft) || len(draft) > 4*issuer.MaxPersonalMessageRunes*2 {
		draft = ""
	}
	clean, err := issuer.CheckPersonalMessage(draft)
	if err != nil {
		p := newMessagePage(c, draft)
		p.Error = "message.invalid"
		s.render(w, r, sess, http.StatusBadRequest, "message", p)
		return
	}
	if r.PostFormValue("preview") != "" {
		p := newMessagePage(c, clean)
		p.Preview, p.Previewing = clean, true
		s.render(w, r, sess, http.StatusOK, "message", p)
		return
	}
	if err := s.store.SetPersonalMessage(r.Context(), c.ID, clean, cardholderActor, s.now()); errors.Is(err, issuer.ErrInvalidMessage) {
		p := newMessagePage(c, draft)
		p.Error = "message.invalid"
		s.render(w, r, sess, http.StatusBadRequest, "message", p)
		return
	} else if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.redirect(w, r, "/portal/message", "message.saved")
}
