package portal

import (
	"net/http"

	"github.com/honnin/honnin/issuer"
)

// homePage is the data of the home page.
type homePage struct {
	Card          cardView
	Message       string
	SharingOptOut bool
}

// home is GET /portal/: the managed card at a glance, the nag while its
// personal message is provisional, and links to every page.
func (s *Server) home(w http.ResponseWriter, r *http.Request, sess *Session) {
	c, ok := s.managedCard(w, r, sess)
	if !ok {
		return
	}
	s.render(w, r, sess, http.StatusOK, "home", homePage{Card: newCardView(c, true), Message: c.PersonalMessage,
		SharingOptOut: c.SharingOptOut})
}

// managedCard loads the session's card, answering the request itself
// (and returning false) when it cannot.
func (s *Server) managedCard(w http.ResponseWriter, r *http.Request, sess *Session) (issuer.Cardholder, bool) {
	c, err := s.store.Cardholder(r.Context(), sess.CardholderID)
	if err != nil {
		s.serverError(w, r, sess, err)
		return issuer.Cardholder{}, false
	}
	return c, true
}

// css is GET /portal/static/portal.css, the portal's one style sheet.
func (s *Server) css(w http.ResponseWriter, r *http.Request) {
	b, err := files.ReadFile("static/portal.css")
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}
