package shop

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// sessionCookie names the browser's session: which orders are its own.
const sessionCookie = "shop_session"

// sessions issues session ids and the CSRF tokens derived from them.
//
// The CSRF token is an HMAC of the session id under a per-process key, not
// the cookie itself: the cookie stays HttpOnly, the token in the page is
// useless without the cookie, and nothing needs to be stored. SameSite=Lax
// already keeps the cookie off cross-site POSTs in current browsers; the
// token is the part that does not depend on the browser.
type sessions struct {
	key    []byte
	secure bool // set Secure on the cookie (the shop's origin is https)
}

func newSessions(secure bool) sessions {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails
	return sessions{key: key, secure: secure}
}

// id returns the request's session id, or "" if it has none or a malformed one.
func (s sessions) id(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !validSessionID(c.Value) {
		return ""
	}
	return c.Value
}

// ensure returns the request's session id, starting a session if needed.
// Only pages that show a form call it; POSTs never start a session.
func (s sessions) ensure(w http.ResponseWriter, r *http.Request) string {
	if id := s.id(r); id != "" {
		return id
	}
	id := rand.Text()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
	return id
}

// csrf returns the token the pages of session id carry in their forms.
func (s sessions) csrf(id string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("csrf\x00"))
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether token belongs to session id.
func (s sessions) checkCSRF(id, token string) bool {
	if id == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(token), []byte(s.csrf(id)))
}

// validSessionID accepts what rand.Text makes: 26 characters of the
// base32 alphabet.
func validSessionID(v string) bool {
	if len(v) != 26 {
		return false
	}
	for _, c := range v {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}
