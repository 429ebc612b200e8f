package portal

import "net/http"

// routes lists every route of the portal. Pages behind sign-in are
// registered through s.signedIn, which checks the session and, for every
// POST, the CSRF token; the sign-in pages check their own (pre-session)
// CSRF cookie.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// Before sign-in.
	mux.HandleFunc("GET /portal/signin", s.signinPage)
	mux.HandleFunc("POST /portal/signin", s.signinPassword)
	mux.HandleFunc("GET /portal/signin/code", s.signinCodePage)
	mux.HandleFunc("POST /portal/signin/code", s.signinCode)
	mux.HandleFunc("GET /portal/lang", s.switchLang)
	mux.HandleFunc("GET /portal/static/portal.css", s.css)

	// Signed in: the managed card's own settings.
	mux.HandleFunc("GET /portal/{$}", s.signedIn(s.home))
	mux.HandleFunc("POST /portal/signout", s.signedIn(s.signout))
	mux.HandleFunc("GET /portal/message", s.signedIn(s.messagePage))
	mux.HandleFunc("POST /portal/message", s.signedIn(s.saveMessage))
	mux.HandleFunc("GET /portal/sharing", s.signedIn(s.sharingPage))
	mux.HandleFunc("POST /portal/sharing", s.signedIn(s.saveSharing))
	mux.HandleFunc("GET /portal/history", s.signedIn(s.history))
	mux.HandleFunc("GET /portal/service", s.signedIn(s.servicePage))
	mux.HandleFunc("POST /portal/service", s.signedIn(s.saveService))

	// Signed in: combined login.
	mux.HandleFunc("GET /portal/cards", s.signedIn(s.cardsPage))
	mux.HandleFunc("POST /portal/cards/link", s.signedIn(s.linkPassword))
	mux.HandleFunc("GET /portal/cards/link/code", s.signedIn(s.linkCodePage))
	mux.HandleFunc("POST /portal/cards/link/code", s.signedIn(s.linkCode))
	mux.HandleFunc("POST /portal/cards/unlink", s.signedIn(s.unlink))
	mux.HandleFunc("POST /portal/cards/switch", s.signedIn(s.switchCard))

	mux.HandleFunc("/portal/", s.notFound)
	return mux
}
