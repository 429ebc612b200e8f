package portal

import (
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/honnin/honnin/issuer/passhash"
)

// Portal password rules: at least 10 characters, so that a stolen
// database's argon2id hashes do not fall to a short dictionary, and at most
// 128, so the hash's input stays small.
const (
	MinPortalPassword = 10
	MaxPortalPassword = 128
)

type passwordPage struct {
	Error       string // catalogue key
	LockedUntil string
	Min, Max    int
}

// passwordPage is GET /portal/password: change the managed card's portal
// password.
func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, sess *Session) {
	s.render(w, r, sess, http.StatusOK, "password", passwordPage{Min: MinPortalPassword, Max: MaxPortalPassword})
}

// savePassword is POST /portal/password: the current password, the new
// one twice. A wrong current password counts towards the card's sign-in
// lock; a change ends the person's other sessions.
func (s *Server) savePassword(w http.ResponseWriter, r *http.Request, sess *Session) {
	c, ok := s.managedCard(w, r, sess)
	if !ok {
		return
	}
	refuse := func(status int, key, until string) {
		s.render(w, r, sess, status, "password", passwordPage{Error: key, LockedUntil: until,
			Min: MinPortalPassword, Max: MaxPortalPassword})
	}
	current, next, again := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("again")
	if n := utf8.RuneCountInString(next); !utf8.ValidString(next) || n < MinPortalPassword || n > MaxPortalPassword {
		refuse(http.StatusBadRequest, "password.rules_broken", "")
		return
	}
	if next != again {
		refuse(http.StatusBadRequest, "password.mismatch", "")
		return
	}
	now := s.now()
	if until, err := s.store.PortalLockedUntil(r.Context(), c.PANHMAC); err != nil {
		s.serverError(w, r, sess, err)
		return
	} else if now.Before(until) {
		setRetryAt(w, until, now)
		refuse(http.StatusTooManyRequests, "signin.locked", until.In(jst).Format("15:04"))
		return
	}
	hash, err := s.store.PortalPasswordHash(r.Context(), c.ID)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if hash == "" {
		hash = s.dummyHash
	}
	if len(current) > MaxPortalPassword*4 {
		current = ""
	}
	// One slot for the check and the new hash, in the Account lane: the
	// cardholder is signed in. Refused, nothing is checked or counted.
	slot, err := s.hashing.Acquire(r.Context(), passhash.Account)
	if passhash.NotChecked(err) {
		setRetryAfter(w)
		refuse(http.StatusServiceUnavailable, "busy.retry", "")
		return
	} else if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	defer slot.Release()
	okPass, err := slot.Verify(current, hash)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if !okPass || hash == s.dummyHash {
		slot.Release()
		until, err := s.store.PortalPasswordFailed(r.Context(), c.PANHMAC, now, MaxPasswordFailures, PasswordLock)
		if err != nil {
			s.serverError(w, r, sess, err)
			return
		}
		if !until.IsZero() {
			setRetryAt(w, until, now)
			refuse(http.StatusTooManyRequests, "signin.locked", until.In(jst).Format("15:04"))
			return
		}
		refuse(http.StatusUnauthorized, "password.wrong", "")
		return
	}
	if current == next {
		refuse(http.StatusBadRequest, "password.same", "")
		return
	}
	newHash, err := slot.Hash(next)
	slot.Release()
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if err := s.store.SetPortalPassword(r.Context(), c.ID, newHash, cardholderActor, now); err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if err := s.store.PortalPasswordOK(r.Context(), c.PANHMAC); err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if err := s.store.EndOtherPortalSessions(r.Context(), sess.PersonID, hashID(sess.ID)); err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.log.Info("portal: password changed", "card", c.Last4, "at", now.Format(time.RFC3339))
	s.redirect(w, r, "/portal/password", "password.changed")
}
