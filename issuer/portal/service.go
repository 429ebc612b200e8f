package portal

import (
	"net/http"
	"time"
)

// servicePage is GET /portal/service: stop or restart the service for the
// managed card (seed 003). While stopped, purchases with the card are
// answered as not enrolled: no code screen, no 3-D Secure protection.
func (s *Server) servicePage(w http.ResponseWriter, r *http.Request, sess *Session) {
	c, ok := s.managedCard(w, r, sess)
	if !ok {
		return
	}
	var since string
	if !c.ServiceStoppedAt.IsZero() {
		since = formatTime(c.ServiceStoppedAt, sess.Locale)
	}
	s.render(w, r, sess, http.StatusOK, "service", struct {
		Stopped bool
		Since   string
	}{!c.ServiceStoppedAt.IsZero(), since})
}

// saveService is POST /portal/service with action=stop (and the confirm
// box ticked) or action=restart.
func (s *Server) saveService(w http.ResponseWriter, r *http.Request, sess *Session) {
	var err error
	var flash string
	switch r.PostFormValue("action") {
	case "stop":
		if r.PostFormValue("confirm") != "yes" {
			s.fail(w, r, sess, http.StatusBadRequest, "service.confirm_needed")
			return
		}
		err, flash = s.store.StopService(r.Context(), sess.CardholderID, cardholderActor, s.now()), "service.stopped"
	case "restart":
		err, flash = s.store.RestartService(r.Context(), sess.CardholderID, cardholderActor, s.now()), "service.restarted"
	default:
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_request")
		return
	}
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.redirect(w, r, "/portal/service", flash)
}

// formatTime shows t in Japan time the way the card's mails do.
func formatTime(t time.Time, locale string) string {
	t = t.In(jst)
	if locale == "ja" {
		return t.Format("2006年1月2日 15:04")
	}
	return t.Format("2006-01-02 15:04") + " JST"
}
