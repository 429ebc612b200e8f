package portal

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/honnin/honnin/issuer/store"
)

// Combined login (seed 002): a person links another card by proving it
// the way sign-in does (its number, its portal password and a code to its
// own address); then one sign-in manages both, and the header's switcher
// picks the card. Every setting stays per card: only who may sign in is
// shared.

type cardsPage struct {
	Error       string // catalogue key
	LockedUntil string
	Card        string // the card number as typed, kept after an error
}

// cardsPage is GET /portal/cards.
func (s *Server) cardsPage(w http.ResponseWriter, r *http.Request, sess *Session) {
	s.render(w, r, sess, http.StatusOK, "cards", cardsPage{})
}

// linkPassword is POST /portal/cards/link: the other card's number and
// portal password, then a code to that card's address.
func (s *Server) linkPassword(w http.ResponseWriter, r *http.Request, sess *Session) {
	pc, err := s.checkPassword(r.Context(), r, r.PostFormValue("card"), r.PostFormValue("password"))
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if pc.status != http.StatusOK {
		pc.setRetry(w, s.now())
		s.render(w, r, sess, pc.status, "cards", cardsPage{Error: pc.form.Error, LockedUntil: pc.form.LockedUntil, Card: typedCard(r)})
		return
	}
	if has, err := s.store.PersonHasCard(r.Context(), sess.PersonID, pc.card.ID); err != nil {
		s.serverError(w, r, sess, err)
		return
	} else if has {
		s.redirect(w, r, "/portal/cards", "cards.already")
		return
	}
	if err := s.sendCode(r.Context(), w, pc.card, store.PortalCodeLink, sess.PersonID); err != nil {
		s.log.Error("portal: link code", "err", err)
		s.render(w, r, sess, http.StatusServiceUnavailable, "cards", cardsPage{Error: "code.send_failed"})
		return
	}
	http.Redirect(w, r, "/portal/cards/link/code", http.StatusSeeOther)
}

// linkCodePage is GET /portal/cards/link/code.
func (s *Server) linkCodePage(w http.ResponseWriter, r *http.Request, sess *Session) {
	pc, usable, err := s.pendingCode(r, store.PortalCodeLink)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	if !usable || pc.PersonID != sess.PersonID {
		http.Redirect(w, r, "/portal/cards", http.StatusSeeOther)
		return
	}
	f, err := s.codeForm(r.Context(), pc.CardholderID, "/portal/cards/link/code")
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "code", f)
}

// linkCode is POST /portal/cards/link/code: right, the card joins the
// person's cards.
func (s *Server) linkCode(w http.ResponseWriter, r *http.Request, sess *Session) {
	if over, retryAt, err := s.overAddressLimit(r); err != nil {
		s.serverError(w, r, sess, err)
		return
	} else if over {
		setRetryAt(w, retryAt, s.now())
		s.render(w, r, sess, http.StatusTooManyRequests, "cards", cardsPage{Error: "signin.too_many"})
		return
	}
	// A code sent for another person's session is spent here, not used.
	if pc, usable, err := s.pendingCode(r, store.PortalCodeLink); err != nil {
		s.serverError(w, r, sess, err)
		return
	} else if usable && pc.PersonID != sess.PersonID {
		s.clearPending(w, store.PortalCodeLink)
		s.render(w, r, sess, http.StatusGone, "cards", cardsPage{Error: "code.spent"})
		return
	}
	pc, outcome, left, err := s.checkCode(r, store.PortalCodeLink, r.PostFormValue("code"))
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	switch outcome {
	case codeSpent:
		s.clearPending(w, store.PortalCodeLink)
		s.render(w, r, sess, http.StatusGone, "cards", cardsPage{Error: "code.spent"})
		return
	case codeWrong, codeMalformed:
		f, err := s.codeForm(r.Context(), pc.CardholderID, "/portal/cards/link/code")
		if err != nil {
			s.serverError(w, r, sess, err)
			return
		}
		var status int
		f.Error, f.ErrorArg, status = codeProblem(outcome, left)
		s.render(w, r, sess, status, "code", f)
		return
	}
	if err := s.store.LinkCard(r.Context(), sess.PersonID, pc.CardholderID, cardholderActor, s.now()); err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.clearPending(w, store.PortalCodeLink)
	s.redirect(w, r, "/portal/cards", "cards.linked")
}

// formCard reads the form field card_id: a card of the session's person,
// else it answers 404 (a card the person does not hold does not exist
// for them) and returns false.
func (s *Server) formCard(w http.ResponseWriter, r *http.Request, sess *Session) (int64, bool) {
	id, err := strconv.ParseInt(r.PostFormValue("card_id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_request")
		return 0, false
	}
	has, err := s.store.PersonHasCard(r.Context(), sess.PersonID, id)
	if err != nil {
		s.serverError(w, r, sess, err)
		return 0, false
	}
	if !has {
		s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
		return 0, false
	}
	return id, true
}

// switchCard is POST /portal/cards/switch: manage another of the
// person's cards.
func (s *Server) switchCard(w http.ResponseWriter, r *http.Request, sess *Session) {
	id, ok := s.formCard(w, r, sess)
	if !ok {
		return
	}
	if err := s.store.SetPortalSessionCard(r.Context(), hashID(sess.ID), id); errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
		return
	} else if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.redirect(w, r, "/portal/", "cards.switched")
}

// unlink is POST /portal/cards/unlink: another card of the person's stops
// being reachable from this sign-in. The managed card cannot be unlinked
// from its own session: switch first.
func (s *Server) unlink(w http.ResponseWriter, r *http.Request, sess *Session) {
	id, ok := s.formCard(w, r, sess)
	if !ok {
		return
	}
	if id == sess.CardholderID {
		s.render(w, r, sess, http.StatusConflict, "cards", cardsPage{Error: "cards.unlink_current"})
		return
	}
	if err := s.store.UnlinkCard(r.Context(), sess.PersonID, id, cardholderActor, s.now()); errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, sess, http.StatusNotFound, "error.notfound")
		return
	} else if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	s.redirect(w, r, "/portal/cards", "cards.unlinked")
}
