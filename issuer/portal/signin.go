package portal

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/pan"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/store"
)

// signinForm is the data of the sign-in page.
type signinForm struct {
	// Error is a catalogue key; LockedUntil fills error.locked's time.
	Error       string
	LockedUntil string
	// Notice is a catalogue key shown above the form (expired, signed out).
	Notice string
	// Card is the card number as typed, kept in the field after an error
	// (the password never is).
	Card string
}

// signinPage is GET /portal/signin.
func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	var f signinForm
	switch {
	case r.URL.Query().Get("expired") != "":
		f.Notice = "signin.expired"
	case r.URL.Query().Get("bye") != "":
		f.Notice = "signin.bye"
	}
	s.render(w, r, nil, http.StatusOK, "signin", f)
}

// passwordCheck is the outcome of checking a card number and its portal
// password: the card, or the status and page data to answer with.
type passwordCheck struct {
	card   issuer.Cardholder
	status int
	form   signinForm
	// busy: the hashing budget refused the check (503); the answer carries
	// Retry-After.
	busy bool
	// retryAt, for a 429, is when the card's lock or the address's count
	// lets a try through again (Retry-After).
	retryAt time.Time
}

// overAddressLimit counts r against its address's sign-in attempts
// (MaxIPAttempts per IPWindow) and reports whether it is over them, and
// until when at the latest: the count is of the last IPWindow, so the
// window's length from now bounds the wait.
func (s *Server) overAddressLimit(r *http.Request) (over bool, retryAt time.Time, err error) {
	now := s.now()
	n, err := s.store.PortalAttempt(r.Context(), clientKey(r), now, IPWindow)
	if err != nil {
		return false, time.Time{}, err
	}
	return n > MaxIPAttempts, now.Add(IPWindow), nil
}

// checkPassword checks a typed card number and portal password with the
// throttles. Every answer for an unknown card is the one for a wrong
// password, after the same argon2id work, so the page never tells whether
// a card is enrolled; the per-card lock is kept by card-number hash for
// unknown cards too, so it does not tell either.
//
// The per-address limit counts every request that reaches it, whatever
// its answer (malformed, wrong, right, over the lock): it bounds how often
// one address (an IPv6 /64) may knock, not how often it was wrong. A
// request that arrives while the hashing budget's sign-in lane is full is
// refused before it, and costs nothing; one refused later, at the budget
// itself, was counted. The per-card count is of wrong passwords only: a
// check the budget refused, or whose client hung up while it waited, was
// never made, and counts nowhere.
func (s *Server) checkPassword(ctx context.Context, r *http.Request, cardInput, password string) (passwordCheck, error) {
	fail := func(status int, key string) (passwordCheck, error) {
		return passwordCheck{status: status, form: signinForm{Error: key}}, nil
	}
	busy := passwordCheck{status: http.StatusServiceUnavailable, busy: true, form: signinForm{Error: "busy.retry"}}
	// While the sign-in lane is full, a request is refused before any
	// work: a flood then costs no database write, and the answer comes
	// in a millisecond, the same for every card.
	if s.hashing.Busy(passhash.SignIn) {
		return busy, nil
	}
	if over, retryAt, err := s.overAddressLimit(r); err != nil {
		return passwordCheck{}, err
	} else if over {
		pc, _ := fail(http.StatusTooManyRequests, "signin.too_many")
		pc.retryAt = retryAt
		return pc, nil
	}
	number, err := pan.Parse(cardInput)
	if err != nil {
		return fail(http.StatusBadRequest, "signin.bad_card")
	}
	// A password longer than any the portal takes is refused unchecked:
	// counted in characters, as when it was set (not in bytes: 128 kanji
	// are 384).
	if password == "" || utf8.RuneCountInString(password) > MaxPortalPassword {
		return fail(http.StatusBadRequest, "signin.bad_password")
	}
	key := s.cfg.PAN.Sum(number)
	now := s.now()
	if until, err := s.store.PortalLockedUntil(ctx, key); err != nil {
		return passwordCheck{}, err
	} else if now.Before(until) {
		return s.locked(until), nil
	}
	// The slot is taken before the card is looked up, so a refusal comes
	// at the same point, with the same page, for every card number.
	slot, err := s.hashing.Acquire(ctx, passhash.SignIn)
	if passhash.NotChecked(err) {
		return busy, nil
	} else if err != nil {
		return passwordCheck{}, err
	}
	defer slot.Release()
	card, err := s.store.CardholderByPAN(ctx, key)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return passwordCheck{}, err
	}
	hash, known := s.dummyHash, err == nil && card.Status != issuer.CardholderClosed
	if known {
		h, err := s.store.PortalPasswordHash(ctx, card.ID)
		if err != nil {
			return passwordCheck{}, err
		}
		if h == "" {
			known = false
		} else {
			hash = h
		}
	}
	ok, err := slot.Verify(password, hash)
	slot.Release()
	if err != nil {
		return passwordCheck{}, err
	}
	if !ok || !known {
		until, err := s.store.PortalPasswordFailed(ctx, key, now, MaxPasswordFailures, PasswordLock)
		if err != nil {
			return passwordCheck{}, err
		}
		if !until.IsZero() {
			return s.locked(until), nil
		}
		return fail(http.StatusUnauthorized, "signin.wrong")
	}
	if err := s.store.PortalPasswordOK(ctx, key); err != nil {
		return passwordCheck{}, err
	}
	if card.Email == "" {
		return fail(http.StatusConflict, "signin.no_email")
	}
	return passwordCheck{card: card, status: http.StatusOK}, nil
}

// setRetry sets Retry-After on the answer of a refused check: the busy
// budget's, or until the card's lock or the address's count lets a try
// through.
func (pc passwordCheck) setRetry(w http.ResponseWriter, now time.Time) {
	switch {
	case pc.busy:
		setRetryAfter(w)
	case !pc.retryAt.IsZero():
		setRetryAt(w, pc.retryAt, now)
	}
}

func (s *Server) locked(until time.Time) passwordCheck {
	return passwordCheck{status: http.StatusTooManyRequests, retryAt: until,
		form: signinForm{Error: "signin.locked", LockedUntil: until.In(jst).Format("15:04")}}
}

// signinPassword is POST /portal/signin: card number and portal password,
// then a code to the card's address.
func (s *Server) signinPassword(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if !s.checkPreCSRF(r) {
		s.fail(w, r, nil, http.StatusForbidden, "error.csrf")
		return
	}
	pc, err := s.checkPassword(r.Context(), r, r.PostFormValue("card"), r.PostFormValue("password"))
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	if pc.status != http.StatusOK {
		pc.setRetry(w, s.now())
		pc.form.Card = typedCard(r)
		s.render(w, r, nil, pc.status, "signin", pc.form)
		return
	}
	if err := s.sendCode(r.Context(), w, pc.card, store.PortalCodeSignIn, 0); err != nil {
		s.log.Error("portal: sign-in code", "err", err)
		s.render(w, r, nil, http.StatusServiceUnavailable, "signin", signinForm{Error: "code.send_failed"})
		return
	}
	http.Redirect(w, r, "/portal/signin/code", http.StatusSeeOther)
}

// codeForm is the data of the code pages.
type codeForm struct {
	Email    string // masked
	Last4    string
	Error    string // catalogue key
	ErrorArg any    // its argument, if it has one
	Action   string
	// Rules are the code's numbers the page states.
	Rules codeRules
}

// signinCodePage is GET /portal/signin/code.
func (s *Server) signinCodePage(w http.ResponseWriter, r *http.Request) {
	pc, usable, err := s.pendingCode(r, store.PortalCodeSignIn)
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	if !usable {
		http.Redirect(w, r, "/portal/signin", http.StatusSeeOther)
		return
	}
	f, err := s.codeForm(r.Context(), pc.CardholderID, "/portal/signin/code")
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	s.render(w, r, nil, http.StatusOK, "code", f)
}

func (s *Server) codeForm(ctx context.Context, cardholderID int64, action string) (codeForm, error) {
	c, err := s.store.Cardholder(ctx, cardholderID)
	if err != nil {
		return codeForm{}, err
	}
	return codeForm{Email: newCardView(c, false).Email, Last4: c.Last4, Action: action, Rules: rulesOf(portalCode)}, nil
}

// signinCode is POST /portal/signin/code: the mailed code; right, it
// starts the session.
func (s *Server) signinCode(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if !s.checkPreCSRF(r) {
		s.fail(w, r, nil, http.StatusForbidden, "error.csrf")
		return
	}
	if over, retryAt, err := s.overAddressLimit(r); err != nil {
		s.serverError(w, r, nil, err)
		return
	} else if over {
		setRetryAt(w, retryAt, s.now())
		s.render(w, r, nil, http.StatusTooManyRequests, "signin", signinForm{Error: "signin.too_many"})
		return
	}
	pc, outcome, left, err := s.checkCode(r, store.PortalCodeSignIn, r.PostFormValue("code"))
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	switch outcome {
	case codeSpent:
		s.clearPending(w, store.PortalCodeSignIn)
		s.render(w, r, nil, http.StatusGone, "signin", signinForm{Error: "code.spent"})
		return
	case codeWrong, codeMalformed:
		f, err := s.codeForm(r.Context(), pc.CardholderID, "/portal/signin/code")
		if err != nil {
			s.serverError(w, r, nil, err)
			return
		}
		var status int
		f.Error, f.ErrorArg, status = codeProblem(outcome, left)
		s.render(w, r, nil, status, "code", f)
		return
	}
	c, err := s.store.Cardholder(r.Context(), pc.CardholderID)
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	person, err := s.store.EnsurePerson(r.Context(), c.ID, s.now())
	if err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	if err := s.startSession(w, r, person, c.ID, s.sessionLang(r, cardLocale(c))); err != nil {
		s.serverError(w, r, nil, err)
		return
	}
	s.clearPending(w, store.PortalCodeSignIn)
	http.Redirect(w, r, "/portal/", http.StatusSeeOther)
}

// signout is POST /portal/signout.
func (s *Server) signout(w http.ResponseWriter, r *http.Request, sess *Session) {
	if err := s.endSession(w, r, sess); err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/portal/signin?bye=1", http.StatusSeeOther)
}

// typedCard is the card field as typed, for refilling the form: at most
// the length of a spaced card number, printable ASCII only.
func typedCard(r *http.Request) string {
	v := r.PostFormValue("card")
	if len(v) > 23 || strings.IndexFunc(v, func(c rune) bool { return c < ' ' || c > '~' }) >= 0 {
		return ""
	}
	return v
}

// clientKey is what the per-address limit counts a request under: the
// peer's address key (addressKey). The portal trusts no forwarding header:
// behind a proxy, the issuer's listener sees the proxy, and the limit is
// per proxy until a trusted-proxy setting exists.
func clientKey(r *http.Request) string {
	return addressKey(r.RemoteAddr)
}

// addressKey is the per-address limit's key for a peer address ("ip:port",
// or a bare address): an IPv4 address as is (an IPv4-mapped IPv6 address
// too, as the IPv4 it is), an IPv6 address as its /64, without zone. One
// customer gets a whole /64 (RFC 6177; SLAAC needs one), so a limit per
// IPv6 address is a limit per 2^64 addresses. Anything unparsable is its
// own key.
func addressKey(remoteAddr string) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	host = strings.TrimSpace(host)
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// jst is Japan time, in which the portal shows times.
var jst = time.FixedZone("JST", 9*60*60)
