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
	mux.HandleFunc("POST /portal/history/report", s.signedIn(s.reportFraud))
	mux.HandleFunc("GET /portal/service", s.signedIn(s.servicePage))
	mux.HandleFunc("POST /portal/service", s.signedIn(s.saveService))
	mux.HandleFunc("GET /portal/password", s.signedIn(s.passwordPage))
	mux.HandleFunc("POST /portal/password", s.signedIn(s.savePassword))

	// Signed in: how the card is authenticated (method.go, contact.go,
	// app.go, tokens.go).
	mux.HandleFunc("GET /portal/method", s.signedIn(s.methodPage))
	mux.HandleFunc("GET /portal/method/confirm", s.signedIn(s.methodConfirm))
	mux.HandleFunc("POST /portal/method", s.signedIn(s.methodChange))
	mux.HandleFunc("GET /portal/method/done", s.signedIn(s.methodDone))
	mux.HandleFunc("GET /portal/contact/{kind}", s.signedIn(s.contactPage))
	mux.HandleFunc("POST /portal/contact/{kind}", s.signedIn(s.contactBegin))
	mux.HandleFunc("GET /portal/contact/{kind}/verify", s.signedIn(s.contactVerifyPage))
	mux.HandleFunc("POST /portal/contact/{kind}/verify", s.signedIn(s.contactVerify))
	mux.HandleFunc("POST /portal/contact/{kind}/resend", s.signedIn(s.contactResend))
	mux.HandleFunc("GET /portal/app", s.signedIn(s.appPage))
	mux.HandleFunc("POST /portal/app/issue", s.signedIn(s.appIssue))
	mux.HandleFunc("POST /portal/app/register", s.signedIn(s.appRegister))
	mux.HandleFunc("POST /portal/app/release", s.signedIn(s.appRelease))
	mux.HandleFunc("POST /portal/app/lost", s.signedIn(s.appLost))
	mux.HandleFunc("GET /portal/tokens", s.signedIn(s.tokensPage))
	mux.HandleFunc("POST /portal/tokens/lock", s.signedIn(s.tokenLock()))
	mux.HandleFunc("POST /portal/tokens/unlock", s.signedIn(s.tokenUnlock()))
	mux.HandleFunc("GET /portal/tokens/lost", s.signedIn(s.tokenLostConfirm))
	mux.HandleFunc("POST /portal/tokens/lost", s.signedIn(s.tokenLost()))

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
