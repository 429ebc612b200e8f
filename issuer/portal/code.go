package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/honnin/honnin/edge/onetime"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/store"
)

// A portal one-time code proves the person has the card's mailbox: the
// second factor of sign-in and of linking a card. The browser holds a
// random handle to it in a cookie; the store keeps the handle's hash and
// the code sealed by the vault. Its numbers are onetime.PortalSignIn's.
var portalCode = onetime.PortalSignIn

// codeRules are a code's numbers as its pages state them: the catalogue's
// texts take them as arguments, so a page says what the policy enforces.
type codeRules struct {
	Digits, Minutes, Tries int
	Resends, CooldownSecs  int
	DailyCap               int
	InputLen               int // the field's maxlength
}

func rulesOf(p onetime.Policy) codeRules {
	return codeRules{Digits: p.Digits, Minutes: int(p.Lifetime / time.Minute), Tries: p.Tries,
		Resends: p.Resends, CooldownSecs: int(p.Cooldown / time.Second), DailyCap: p.DailyCap, InputLen: p.InputLen()}
}

// pendingCookie names the cookie holding the handle of a code of purpose.
func (s *Server) pendingCookie(purpose string) (name, path string) {
	if s.cfg.SecureCookies {
		return "__Host-honnin_portal_" + purpose, "/"
	}
	return "honnin_portal_" + purpose, "/portal/"
}

func codeAAD(idHash []byte) []byte { return []byte("portal-code:" + hex.EncodeToString(idHash)) }

// sendCode makes a code for the card, mails it to the card's address in
// the card's language and sets the cookie that points to it. personID is
// the person a link code is for (0 for sign-in).
func (s *Server) sendCode(ctx context.Context, w http.ResponseWriter, c issuer.Cardholder, purpose string, personID int64) error {
	code := portalCode.Generate()
	handle := rand.Text()
	idHash := hashID(handle)
	now := s.now()
	pc := store.PortalCode{IDHash: idHash, CardholderID: c.ID, Purpose: purpose, PersonID: personID,
		Code: s.cfg.Vault.Seal([]byte(code), codeAAD(idHash)), ExpiresAt: portalCode.Expires(now), CreatedAt: now}
	if err := s.store.CreatePortalCode(ctx, pc); err != nil {
		return err
	}
	if err := s.cfg.Mail.SendNotice(ctx, dispatch.Notice{Kind: dispatch.NoticePortalCode, To: c.Email, Locale: c.Locale,
		IssuerName: s.cfg.IssuerName, Last4: c.Last4, Code: code, Expires: pc.ExpiresAt}); err != nil {
		return fmt.Errorf("portal: send %s code: %w", purpose, err)
	}
	name, path := s.pendingCookie(purpose)
	s.setCookie(w, name, path, handle, int(portalCode.Lifetime.Seconds()))
	return nil
}

// pendingCode returns the code the request's cookie points to, if it is
// of purpose and can still be used.
func (s *Server) pendingCode(r *http.Request, purpose string) (store.PortalCode, bool, error) {
	name, _ := s.pendingCookie(purpose)
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return store.PortalCode{}, false, nil
	}
	pc, err := s.store.PortalCode(r.Context(), hashID(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return store.PortalCode{}, false, nil
	}
	if err != nil {
		return store.PortalCode{}, false, err
	}
	usable := pc.Purpose == purpose && pc.UsedAt.IsZero() && s.now().Before(pc.ExpiresAt) && pc.Tries < portalCode.Tries
	return pc, usable, nil
}

// Outcomes of checkCode.
type codeOutcome int

const (
	codeOK        codeOutcome = iota
	codeWrong                 // wrong; tries remain
	codeMalformed             // not a code (onetime's Normalize refused it): not counted
	codeSpent                 // used, expired or out of tries: start again
)

// checkCode checks typed against the pending code of purpose and uses it
// up when right. It returns the code's row and, for codeWrong, the tries
// left. What does not normalise to a code is codeMalformed, refused before
// the comparison: it costs no try, as at the edge and on the contact page.
func (s *Server) checkCode(r *http.Request, purpose, typed string) (store.PortalCode, codeOutcome, int, error) {
	pc, usable, err := s.pendingCode(r, purpose)
	if err != nil || !usable {
		return pc, codeSpent, 0, err
	}
	want, err := s.cfg.Vault.Open(pc.Code, codeAAD(pc.IDHash))
	if err != nil {
		return pc, codeSpent, 0, fmt.Errorf("portal: open code: %w", err)
	}
	got, err := portalCode.Normalize(typed)
	if err != nil {
		return pc, codeMalformed, 0, nil
	}
	if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
		tries, err := s.store.PortalCodeWrong(r.Context(), pc.IDHash)
		if err != nil {
			return pc, codeSpent, 0, err
		}
		if left := portalCode.TriesLeft(tries); left > 0 {
			return pc, codeWrong, left, nil
		}
		return pc, codeSpent, 0, nil
	}
	if err := s.store.UsePortalCode(r.Context(), pc.IDHash, s.now(), portalCode.Tries); errors.Is(err, store.ErrConflict) {
		return pc, codeSpent, 0, nil
	} else if err != nil {
		return pc, codeSpent, 0, err
	}
	return pc, codeOK, 0, nil
}

// codeProblem is what the code page says of a wrong or malformed code:
// the catalogue key, its argument and the status.
func codeProblem(o codeOutcome, left int) (key string, arg any, status int) {
	if o == codeMalformed {
		return "code.format", portalCode.Digits, http.StatusBadRequest
	}
	return "code.wrong", left, http.StatusUnauthorized
}

// clearPending deletes the cookie of a code of purpose.
func (s *Server) clearPending(w http.ResponseWriter, purpose string) {
	name, path := s.pendingCookie(purpose)
	s.setCookie(w, name, path, "", -1)
}
