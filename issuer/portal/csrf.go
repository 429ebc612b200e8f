package portal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// Before sign-in there is no session to hold a CSRF token, so the forms of
// the sign-in pages use a signed double-submit cookie: the cookie holds a
// random value and its HMAC under a key of the issuer's, the form repeats
// the cookie, and a POST passes only when both are present, equal and
// signed. A cross-site page can neither read the cookie nor plant a signed
// one.

func (s *Server) preCSRFCookie() (name, path string) {
	if s.cfg.SecureCookies {
		return "__Host-honnin_portal_csrf", "/"
	}
	return "honnin_portal_csrf", "/portal/"
}

// preCSRF returns the pre-sign-in CSRF token for a form, setting the
// cookie when the browser has no valid one.
func (s *Server) preCSRF(w http.ResponseWriter, r *http.Request) string {
	name, path := s.preCSRFCookie()
	if c, err := r.Cookie(name); err == nil && s.validPreCSRF(c.Value) {
		return c.Value
	}
	v := rand.Text()
	tok := v + "." + s.signCSRF(v)
	s.setCookie(w, name, path, tok, 0)
	return tok
}

// checkPreCSRF reports whether the POST's csrf field matches a validly
// signed cookie.
func (s *Server) checkPreCSRF(r *http.Request) bool {
	name, _ := s.preCSRFCookie()
	c, err := r.Cookie(name)
	if err != nil || !s.validPreCSRF(c.Value) {
		return false
	}
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(c.Value))
}

func (s *Server) validPreCSRF(tok string) bool {
	v, sig, ok := strings.Cut(tok, ".")
	return ok && v != "" && hmac.Equal([]byte(sig), []byte(s.signCSRF(v)))
}

func (s *Server) signCSRF(v string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
