package portal

import (
	"net/http"
	"strings"
)

// The portal speaks Japanese and English. Before sign-in the language is
// the lang cookie's, else the browser's first preference if English, else
// Japanese; a session keeps its own, starting with the cookie's or the
// card's.

const langCookie = "honnin_portal_lang"

var langs = map[string]bool{"ja": true, "en": true}

func (s *Server) langCookie(r *http.Request) (string, bool) {
	c, err := r.Cookie(langCookie)
	if err != nil || !langs[c.Value] {
		return "", false
	}
	return c.Value, true
}

// lang is the language of a page before sign-in.
func (s *Server) lang(r *http.Request) string {
	if l, ok := s.langCookie(r); ok {
		return l
	}
	first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	first, _, _ = strings.Cut(strings.TrimSpace(first), ";")
	if strings.HasPrefix(strings.ToLower(first), "en") {
		return "en"
	}
	return "ja"
}

// switchLang is GET /portal/lang?to=en&next=/portal/...: a plain link, so
// the switch works without JavaScript. next must be a portal path.
func (s *Server) switchLang(w http.ResponseWriter, r *http.Request) {
	to, next := r.URL.Query().Get("to"), r.URL.Query().Get("next")
	if !langs[to] {
		s.fail(w, r, nil, http.StatusBadRequest, "error.bad_request")
		return
	}
	if !strings.HasPrefix(next, "/portal/") || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		next = "/portal/"
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: to, Path: "/portal/", MaxAge: 365 * 24 * 3600,
		Secure: s.cfg.SecureCookies, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if sess, err := s.session(r); err == nil {
		if err := s.store.SetPortalSessionLocale(r.Context(), hashID(sess.ID), to); err != nil {
			s.serverError(w, r, sess, err)
			return
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
