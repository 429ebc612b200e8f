package portal

import (
	"net/http"
	"strconv"
	"strings"
)

// The portal speaks Japanese and English. Which one a page is in:
//
//   - the person's own choice, once made: the language switch sets a
//     cookie, and a session takes it at sign-in and keeps it;
//   - until then, the browser's (Accept-Language, its q-values read): a
//     Japanese browser signing in with a card whose mails go out in English
//     stays in Japanese, as the sign-in page was;
//   - for a browser that names neither, before sign-in Japanese, from
//     sign-in the card's language (the one its mails are in).
//
// A session keeps its language across card switches: it is the person's,
// not a card's.

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
	if l, ok := browserLang(r.Header.Values("Accept-Language")); ok {
		return l
	}
	return "ja"
}

// sessionLang is the language a session starts in for a card whose mails
// go out in cardLang (ja or en: cardLocale).
func (s *Server) sessionLang(r *http.Request, cardLang string) string {
	if l, ok := s.langCookie(r); ok {
		return l
	}
	if l, ok := browserLang(r.Header.Values("Accept-Language")); ok {
		return l
	}
	return cardLang
}

// browserLang is the portal language the Accept-Language header values
// prefer (RFC 9110, 12.5.4): the range of the highest weight that names ja
// or en (ja-JP and en-GB included), the earlier of equal weights. Ranges
// of weight 0 ("not this one"), malformed weights and the wildcard (any
// language: no preference between the two) choose nothing; false when no
// range names either.
func browserLang(values []string) (string, bool) {
	best, bestQ := "", 0.0
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			tag, params, _ := strings.Cut(item, ";")
			tag = strings.ToLower(strings.TrimSpace(tag))
			primary, _, _ := strings.Cut(tag, "-")
			if !langs[primary] {
				continue
			}
			q, ok := weight(params)
			if ok && q > bestQ {
				best, bestQ = primary, q
			}
		}
	}
	return best, best != ""
}

// weight is the q parameter of a language range's parameters ("q=0.8"), 1
// without one; false when it is not a qvalue (0 to 1, at most 3 decimals).
func weight(params string) (float64, bool) {
	params = strings.TrimSpace(params)
	if params == "" {
		return 1, true
	}
	name, val, ok := strings.Cut(params, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
		return 0, false
	}
	val = strings.TrimSpace(val)
	whole, frac, _ := strings.Cut(val, ".")
	if (whole != "0" && whole != "1") || len(frac) > 3 ||
		strings.IndexFunc(frac, func(c rune) bool { return c < '0' || c > '9' }) >= 0 {
		return 0, false
	}
	q, err := strconv.ParseFloat(val, 64)
	if err != nil || q > 1 {
		return 0, false
	}
	return q, true
}

// switchLang is GET /portal/lang?to=en&next=/portal/...: a plain link, so
// the switch works without JavaScript. next must be a portal path. The
// choice is remembered in the browser (a cookie, a year): it wins over the
// browser's language and the card's from then on, at every sign-in.
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
