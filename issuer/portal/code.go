package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"

	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/dispatch"
	"github.com/honnin/honnin/issuer/store"
	clientview "github.com/honnin/honnin/wasm/view"
)

// A portal one-time code proves the person has the card's mailbox: the
// second factor of sign-in and of linking a card. The browser holds a
// random handle to it in a cookie; the store keeps the handle's hash and
// the code sealed by the vault.

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
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return fmt.Errorf("portal: code: %w", err)
	}
	code := fmt.Sprintf("%06d", n.Int64())
	handle := rand.Text()
	idHash := hashID(handle)
	now := s.now()
	pc := store.PortalCode{IDHash: idHash, CardholderID: c.ID, Purpose: purpose, PersonID: personID,
		Code: s.cfg.Vault.Seal([]byte(code), codeAAD(idHash)), ExpiresAt: now.Add(CodeValidity), CreatedAt: now}
	if err := s.store.CreatePortalCode(ctx, pc); err != nil {
		return err
	}
	if err := s.cfg.Mail.SendNotice(ctx, dispatch.Notice{Kind: dispatch.NoticePortalCode, To: c.Email, Locale: c.Locale,
		IssuerName: s.cfg.IssuerName, Last4: c.Last4, Code: code, Expires: pc.ExpiresAt}); err != nil {
		return fmt.Errorf("portal: send %s code: %w", purpose, err)
	}
	name, path := s.pendingCookie(purpose)
	s.setCookie(w, name, path, handle, int(CodeValidity.Seconds()))
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
	usable := pc.Purpose == purpose && pc.UsedAt.IsZero() && s.now().Before(pc.ExpiresAt) && pc.Tries < MaxCodeTries
	return pc, usable, nil
}

// Outcomes of checkCode.
type codeOutcome int

const (
	codeOK    codeOutcome = iota
	codeWrong             // wrong or malformed; tries remain
	codeSpent             // used, expired or out of tries: start again
)

// checkCode checks typed against the pending code of purpose and uses it
// up when right. It returns the code's row and, for codeWrong, the tries
// left.
func (s *Server) checkCode(r *http.Request, purpose, typed string) (store.PortalCode, codeOutcome, int, error) {
	pc, usable, err := s.pendingCode(r, purpose)
	if err != nil || !usable {
		return pc, codeSpent, 0, err
	}
	want, err := s.cfg.Vault.Open(pc.Code, codeAAD(pc.IDHash))
	if err != nil {
		return pc, codeSpent, 0, fmt.Errorf("portal: open code: %w", err)
	}
	got, ferr := clientview.NormalizeCode(typed)
	if ferr != nil || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
		tries, err := s.store.PortalCodeWrong(r.Context(), pc.IDHash)
		if err != nil {
			return pc, codeSpent, 0, err
		}
		if tries >= MaxCodeTries {
			return pc, codeSpent, 0, nil
		}
		return pc, codeWrong, MaxCodeTries - tries, nil
	}
	if err := s.store.UsePortalCode(r.Context(), pc.IDHash, s.now(), MaxCodeTries); errors.Is(err, store.ErrConflict) {
		return pc, codeSpent, 0, nil
	} else if err != nil {
		return pc, codeSpent, 0, err
	}
	return pc, codeOK, 0, nil
}

// clearPending deletes the cookie of a code of purpose.
func (s *Server) clearPending(w http.ResponseWriter, purpose string) {
	name, path := s.pendingCookie(purpose)
	s.setCookie(w, name, path, "", -1)
}
