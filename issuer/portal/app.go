package portal

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/store"
)

// App registration as seed 000 has it: the page shows a registration ID,
// the password goes by mail, both valid 30 minutes and single use, so
// neither someone looking at the screen nor someone reading the mailbox
// can register an app alone. The two halves meet either in the issuer's
// own app (the cardholder types both into it; POST /v1/app/register) or
// here: the cardholder types the mailed password into this page and gets
// the otpauth QR code that any standard authenticator app scans. The
// secret is shown once, in the answer to that POST, and never again: it
// is not put in a redirect, a session or a log.
//
// A device change is a new registration (it revokes the old app); "lost
// phone" revokes the old app at once from here alone, with nothing to do
// on the lost device, and starts a new registration; "release" gives the
// app up.

// appPageData is the app page.
type appPageData struct {
	// App is the registered app's state (active, locked) and since when;
	// "" when there is none.
	App, AppSince string
	// Pending is the open registration: its ID, grouped for reading, and
	// when it expires; "" when there is none.
	PendingID    string
	PendingUntil string // in JST, the card's language
	// MailTo is where the password goes, masked.
	MailTo    string
	Method    issuer.Method // the card's method
	ForMethod bool          // came from picking the app on the method page
	// CanRegister: the issuer registers apps (Config.Apps is set).
	CanRegister bool
	Error       string // catalogue key
}

func (s *Server) appPage(w http.ResponseWriter, r *http.Request, sess *Session) {
	s.renderApp(w, r, sess, http.StatusOK, "")
}

func (s *Server) renderApp(w http.ResponseWriter, r *http.Request, sess *Session, status int, errKey string) {
	ctx := r.Context()
	c, err := s.store.Cardholder(ctx, sess.CardholderID)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	data := appPageData{MailTo: maskedEmail(c.Email), Method: c.PreferredMethod, Error: errKey,
		CanRegister: s.cfg.Apps != nil,
		ForMethod:   r.URL.Query().Get("for") == "method" || r.PostFormValue("for") == "method"}
	app, err := s.cardApp(r, c.ID)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if app != nil {
		data.App, data.AppSince = app.State, formatTime(app.CreatedAt, sess.Locale)
	}
	reg, err := s.store.PendingAppRegistration(ctx, c.ID, s.now())
	switch {
	case err == nil:
		data.PendingID, data.PendingUntil = groupID(reg.ID), formatTime(reg.ExpiresAt, sess.Locale)
	case !errors.Is(err, store.ErrNotFound):
		s.serverError(w, r, sess, err)
		return
	}
	s.render(w, r, sess, status, "app", data)
}

// cardApp is the card's registered (not revoked) app, or nil.
func (s *Server) cardApp(r *http.Request, cardholderID int64) (*issuer.Credential, error) {
	creds, err := s.store.CredentialsOf(r.Context(), cardholderID)
	if err != nil {
		return nil, err
	}
	for _, cr := range creds {
		if cr.Kind == issuer.MethodApp {
			return &cr, nil
		}
	}
	return nil, nil
}

// groupID writes a 10-digit registration ID as "12345 67890", easier to
// copy by hand; acs.NormalizeRegistrationID takes it either way.
func groupID(id string) string {
	if len(id) == 10 {
		return id[:5] + " " + id[5:]
	}
	return id
}

// appIssue (POST /portal/app/issue) starts a registration: a new ID on the
// page, its password by mail. An earlier open one stops working.
func (s *Server) appIssue(w http.ResponseWriter, r *http.Request, sess *Session) {
	if s.cfg.Apps == nil {
		s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
		return
	}
	c, ok := s.managedCard(w, r, sess)
	if !ok {
		return
	}
	if c.Email == "" {
		s.renderApp(w, r, sess, http.StatusConflict, "app.error.noemail")
		return
	}
	if _, err := s.cfg.Apps.Issue(r.Context(), c.ID); err != nil {
		s.log.Warn("portal: app registration not issued", "cardholder", c.ID, "err", err)
		s.renderApp(w, r, sess, http.StatusBadGateway, "app.error.issue")
		return
	}
	s.redirect(w, r, s.appPath(r), "app.flash.issued")
}

// appPath is the app page, keeping where the cardholder came from.
func (s *Server) appPath(r *http.Request) string {
	if r.PostFormValue("for") == "method" {
		return "/portal/app?for=method"
	}
	return "/portal/app"
}

// appSecretData is the one page that shows the app's secret.
type appSecretData struct {
	// URI is the otpauth:// URI, as a link a phone opens in its
	// authenticator (html/template would refuse the scheme as a string;
	// the URI is ours, not the cardholder's input).
	URI template.URL
	// QR is the otpauth URI as a PNG data: URL (the CSP allows data:
	// images; no second request has to find the secret again).
	QR template.URL
	// Secret is the base32 secret in groups of 4, for apps without a
	// camera.
	Secret    string
	Period    int
	Digits    int
	Method    issuer.Method
	ForMethod bool
}

// appRegister (POST /portal/app/register) redeems the open registration
// with the mailed password and shows the new app's QR code. Its answer is
// the page itself, not a redirect: the secret must be shown once and kept
// nowhere; a reload posts the used registration again and is refused.
func (s *Server) appRegister(w http.ResponseWriter, r *http.Request, sess *Session) {
	if s.cfg.Apps == nil {
		s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
		return
	}
	password := strings.TrimSpace(r.PostFormValue("password"))
	if password == "" || len(password) > 64 {
		s.renderApp(w, r, sess, http.StatusBadRequest, "app.error.password")
		return
	}
	reg, err := s.store.PendingAppRegistration(r.Context(), sess.CardholderID, s.now())
	if errors.Is(err, store.ErrNotFound) {
		s.renderApp(w, r, sess, http.StatusGone, "app.error.expired")
		return
	}
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	got, err := s.cfg.Apps.Register(r.Context(), reg.ID, password)
	if errors.Is(err, acs.ErrRegistrationRefused) {
		s.renderApp(w, r, sess, http.StatusBadRequest, "app.error.password")
		return
	}
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	// Read after the registration: a card whose method was the password
	// has the app as its method now (store.RegisterApp).
	c, ok := s.managedCard(w, r, sess)
	if !ok {
		return
	}
	s.log.Info("portal: app registered", "cardholder", sess.CardholderID, "cred", got.Credential.PublicID)
	s.render(w, r, sess, http.StatusOK, "app_secret", appSecretData{
		URI:       template.URL(got.URI),
		QR:        template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(got.QR)),
		Secret:    groupSecret(secretOf(got.URI)),
		Period:    got.Credential.TOTP.Period,
		Digits:    got.Credential.TOTP.Digits,
		Method:    c.PreferredMethod,
		ForMethod: r.PostFormValue("for") == "method",
	})
}

// secretOf is the secret parameter of an otpauth URI.
func secretOf(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return u.Query().Get("secret")
}

func groupSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// appRelease (POST /portal/app/release) gives the app up: its codes stop
// passing at once.
func (s *Server) appRelease(w http.ResponseWriter, r *http.Request, sess *Session) {
	err := s.store.ReleaseApp(r.Context(), sess.CardholderID, "cardholder", s.now())
	if errors.Is(err, store.ErrNotFound) {
		s.renderApp(w, r, sess, http.StatusConflict, "app.error.none")
		return
	}
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.log.Info("portal: app released", "cardholder", sess.CardholderID)
	s.redirect(w, r, "/portal/app", "app.flash.released")
}

// appLost (POST /portal/app/lost) is the lost or stolen phone: the app is
// revoked (reason lost) from here alone, and a new registration starts so
// the cardholder can set up the new phone at once.
func (s *Server) appLost(w http.ResponseWriter, r *http.Request, sess *Session) {
	app, err := s.cardApp(r, sess.CardholderID)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if app == nil {
		s.renderApp(w, r, sess, http.StatusConflict, "app.error.none")
		return
	}
	if err := s.store.RevokeCredential(r.Context(), app.ID, issuer.LockLost, "cardholder", s.now()); err != nil {
		if errors.Is(err, store.ErrConflict) {
			s.renderApp(w, r, sess, http.StatusConflict, "app.error.none")
			return
		}
		s.serverError(w, r, sess, err)
		return
	}
	s.log.Info("portal: app reported lost", "cardholder", sess.CardholderID, "cred", app.PublicID)
	if s.cfg.Apps == nil {
		s.redirect(w, r, "/portal/app", "app.flash.lost_noreg")
		return
	}
	if _, err := s.cfg.Apps.Issue(r.Context(), sess.CardholderID); err != nil {
		s.log.Warn("portal: app registration after loss not issued", "cardholder", sess.CardholderID, "err", err)
		s.redirect(w, r, "/portal/app", "app.flash.lost_noreg")
		return
	}
	s.redirect(w, r, "/portal/app", "app.flash.lost")
}
