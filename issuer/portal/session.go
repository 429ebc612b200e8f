package portal

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/honnin/honnin/issuer/store"
)

// Session is a signed-in person managing one of their cards. It lives in
// the store (portal_sessions); the browser holds only a random handle
// whose SHA-256 is the row's key.
type Session struct {
	ID           string // the cookie value; never stored
	PersonID     int64
	CardholderID int64 // the card being managed
	Locale       string
	CSRF         string
	Expires      time.Time // the earlier of the idle and the absolute end
	// flash is the message key kept for this page, shown once.
	flash string
}

// sessionCookie is the session cookie's name. The __Host- prefix makes the
// browser refuse it unless it is Secure, has Path=/ and no Domain, so no
// other host of the domain (and no plain-HTTP page) can plant or read it;
// it needs Path=/, which is why a secure session cookie is not limited to
// /portal/ (it is HttpOnly and SameSite=Strict either way).
func (s *Server) sessionCookie() (name, path string) {
	if s.cfg.SecureCookies {
		return "__Host-honnin_portal", "/"
	}
	return "honnin_portal", "/portal/"
}

func (s *Server) setCookie(w http.ResponseWriter, name, path, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		Secure: s.cfg.SecureCookies, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// errNoSession means the request has no live session: no cookie, an
// unknown one, or one past its idle or absolute end.
var errNoSession = errors.New("portal: no session")

// session returns the request's live session, or errNoSession. An expired
// session is deleted. It does not record activity: signedIn does.
func (s *Server) session(r *http.Request) (*Session, error) {
	name, _ := s.sessionCookie()
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return nil, errNoSession
	}
	row, err := s.store.PortalSession(r.Context(), hashID(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	end := row.SeenAt.Add(IdleTimeout)
	if abs := row.CreatedAt.Add(AbsoluteTimeout); abs.Before(end) {
		end = abs
	}
	if !now.Before(end) {
		if err := s.store.DeletePortalSession(r.Context(), row.IDHash); err != nil {
			return nil, err
		}
		return nil, errNoSession
	}
	return &Session{ID: c.Value, PersonID: row.PersonID, CardholderID: row.CardholderID, Locale: row.Locale,
		CSRF: row.CSRF, Expires: end, flash: row.Flash}, nil
}

// startSession signs the person in, managing the given card, and sets the
// cookie. A fresh handle every time: a handle planted before sign-in is
// never promoted (session fixation).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, personID, cardholderID int64, locale string) error {
	id, csrf := rand.Text()+rand.Text(), rand.Text()
	now := s.now()
	if err := s.store.CreatePortalSession(r.Context(), store.PortalSession{IDHash: hashID(id), PersonID: personID,
		CardholderID: cardholderID, Locale: locale, CSRF: csrf, CreatedAt: now, SeenAt: now}); err != nil {
		return fmt.Errorf("portal: start session: %w", err)
	}
	// Each sign-in sweeps what has expired, so the tables stay small
	// without a background job.
	if _, err := s.store.PrunePortal(r.Context(), now.Add(-IdleTimeout), now.Add(-AbsoluteTimeout), now.Add(-IPWindow)); err != nil {
		s.log.Warn("portal: prune", "err", err)
	}
	name, path := s.sessionCookie()
	// A session cookie (no Max-Age): closing the browser ends it too.
	s.setCookie(w, name, path, id, 0)
	return nil
}

// endSession deletes the session and its cookie.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request, sess *Session) error {
	name, path := s.sessionCookie()
	s.setCookie(w, name, path, "", -1)
	if err := s.store.DeletePortalSession(r.Context(), hashID(sess.ID)); err != nil {
		return fmt.Errorf("portal: end session: %w", err)
	}
	return nil
}

// signedInHandler is the signature of every page behind sign-in.
type signedInHandler func(w http.ResponseWriter, r *http.Request, sess *Session)

// signedIn wraps h: no live session redirects to the sign-in page (saying
// so when one just expired); a POST (any method but GET and HEAD) whose
// form field csrf is not the session's token gets 403 and changes
// nothing. Every signed-in route is registered through it, so no handler
// checks either itself.
func (s *Server) signedIn(h signedInHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.session(r)
		if errors.Is(err, errNoSession) {
			name, path := s.sessionCookie()
			to := "/portal/signin"
			if _, err := r.Cookie(name); err == nil {
				to += "?expired=1"
				s.setCookie(w, name, path, "", -1)
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		if err != nil {
			s.serverError(w, r, nil, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(sess.CSRF)) {
				s.render(w, r, sess, http.StatusForbidden, "error", errorPage{Key: "error.csrf"})
				return
			}
		}
		if err := s.store.TouchPortalSession(r.Context(), hashID(sess.ID), s.now()); err != nil {
			s.serverError(w, r, sess, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)), sess)
	}
}

// sessionKey is the request context key of the signed-in session, for
// redirect.
type sessionKey struct{}

// maxFormBytes bounds a form body; the portal's forms are a few fields.
const maxFormBytes = 16 << 10

// redirect answers a successful POST with 303 to path (post/redirect/get),
// keeping flashKey, a catalogue key, for the next page.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, path, flashKey string) {
	if sess, ok := r.Context().Value(sessionKey{}).(*Session); ok && flashKey != "" {
		if err := s.store.SetPortalSessionFlash(r.Context(), hashID(sess.ID), flashKey); err != nil {
			s.log.Warn("portal: keep flash", "err", err)
		}
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}
