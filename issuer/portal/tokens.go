package portal

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/store"
)

// The card's hardware tokens: the holder sees each by its serial ending,
// its state and why, and may lock one (a token left somewhere), unlock
// what they locked, and report one lost (for good). A token locked for
// wrong codes or by the issuer stays locked until the issuer unlocks it;
// the page says so rather than offering a button that would fail.

// tokenView is one token on the page.
type tokenView struct {
	ID     int64
	Ending string // "…0002"
	// State is active, locked or lost; Reason the lock's reason
	// (cardholder, failures, operator) while locked.
	State, Reason string
	Since         string // when it was locked or reported lost, in JST
	CanLock       bool
	CanUnlock     bool
	CanReport     bool
}

func viewToken(c issuer.Credential, locale string) tokenView {
	v := tokenView{ID: c.ID, Ending: serialEnd(c.Serial), State: c.State}
	switch c.State {
	case issuer.CredActive:
		v.CanLock, v.CanReport = true, true
	case issuer.CredLocked:
		v.Reason, v.Since = c.LockReason, formatTime(c.LockedAt, locale)
		v.CanUnlock = c.LockReason == issuer.LockCardholder
		v.CanReport = true
	case issuer.CredRevoked:
		v.State, v.Since = "lost", formatTime(c.UpdatedAt, locale)
	}
	return v
}

// tokensData is the tokens page (and the lost confirmation, with Confirm
// set to the token asked about).
type tokensData struct {
	Tokens  []tokenView
	Confirm *tokenView
	Method  issuer.Method
	Error   string // catalogue key
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, sess *Session) {
	s.renderTokens(w, r, sess, http.StatusOK, "")
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, sess *Session, status int, errKey string) {
	data, err := s.tokensData(r, sess)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	data.Error = errKey
	s.render(w, r, sess, status, "tokens", data)
}

func (s *Server) tokensData(r *http.Request, sess *Session) (tokensData, error) {
	c, err := s.store.Cardholder(r.Context(), sess.CardholderID)
	if err != nil {
		return tokensData{}, err
	}
	creds, err := s.store.CardTokens(r.Context(), sess.CardholderID)
	if err != nil {
		return tokensData{}, err
	}
	data := tokensData{Method: c.PreferredMethod}
	for _, cr := range creds {
		data.Tokens = append(data.Tokens, viewToken(cr, sess.Locale))
	}
	return data, nil
}

// tokenID is the form's or query's cred: a credential row id; 0 when
// malformed.
func tokenID(v string) int64 {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

// tokenChange runs one of the store's cardholder token changes on the
// posted cred and answers: back to the list with flash, 404 for a token
// that is not the card's, 409 with the reason when the state forbids it.
func (s *Server) tokenChange(change func(*http.Request, int64, int64) error, flash, conflict string) signedInHandler {
	return func(w http.ResponseWriter, r *http.Request, sess *Session) {
		id := tokenID(r.PostFormValue("cred"))
		if id == 0 {
			s.renderTokens(w, r, sess, http.StatusBadRequest, "tokens.error.which")
			return
		}
		err := change(r, sess.CardholderID, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
		case errors.Is(err, store.ErrConflict):
			s.renderTokens(w, r, sess, http.StatusConflict, conflict)
		case err != nil:
			s.serverError(w, r, sess, err)
		default:
			s.log.Info("portal: token changed", "cardholder", sess.CardholderID, "cred", id, "change", flash)
			s.redirect(w, r, "/portal/tokens", flash)
		}
	}
}

func (s *Server) tokenLock() signedInHandler {
	return s.tokenChange(func(r *http.Request, card, id int64) error {
		return s.store.LockCardToken(r.Context(), card, id, s.now())
	}, "tokens.flash.locked", "tokens.error.lock")
}

func (s *Server) tokenUnlock() signedInHandler {
	return s.tokenChange(func(r *http.Request, card, id int64) error {
		return s.store.UnlockCardToken(r.Context(), card, id, s.now())
	}, "tokens.flash.unlocked", "tokens.error.unlock")
}

func (s *Server) tokenLost() signedInHandler {
	return s.tokenChange(func(r *http.Request, card, id int64) error {
		return s.store.ReportTokenLost(r.Context(), card, id, s.now())
	}, "tokens.flash.lost", "tokens.error.lost")
}

// tokenLostConfirm (GET /portal/tokens/lost?cred=) asks before a report
// that cannot be undone.
func (s *Server) tokenLostConfirm(w http.ResponseWriter, r *http.Request, sess *Session) {
	id := tokenID(r.URL.Query().Get("cred"))
	data, err := s.tokensData(r, sess)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	for _, t := range data.Tokens {
		if t.ID == id && t.CanReport {
			data.Confirm = &t
			s.render(w, r, sess, http.StatusOK, "tokens", data)
			return
		}
	}
	s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
}
