package portal

import "net/http"

// sharingPage is GET /portal/sharing: whether the card's device data goes
// to the third-party risk service (seed 002).
func (s *Server) sharingPage(w http.ResponseWriter, r *http.Request, sess *Session) {
	c, ok := s.managedCard(w, r, sess)
	if !ok {
		return
	}
	s.render(w, r, sess, http.StatusOK, "sharing", struct{ OptOut bool }{c.SharingOptOut})
}

// saveSharing is POST /portal/sharing with share=yes or share=no.
func (s *Server) saveSharing(w http.ResponseWriter, r *http.Request, sess *Session) {
	var optOut bool
	switch r.PostFormValue("share") {
	case "yes":
	case "no":
		optOut = true
	default:
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_request")
		return
	}
	if err := s.store.SetSharingOptOut(r.Context(), sess.CardholderID, optOut, cardholderActor, s.now()); err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	flash := "sharing.on"
	if optOut {
		flash = "sharing.off"
	}
	s.redirect(w, r, "/portal/sharing", flash)
}
