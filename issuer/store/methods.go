package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/issuer"
)

// ErrMethodUnusable: the card cannot use the method it asked for (no
// address, phone, app, token or password to send or check a code with).
var ErrMethodUnusable = errors.New("method not usable")

// SetPreferredMethod makes method the card's way of proving it is them,
// in one transaction with the check that the card can use it: an email
// address or phone for email and sms, a credential that is not revoked
// for app, token and password (a locked one still counts: the card is
// then OTP-locked until it is unlocked). A change of method never lifts an
// OTP lock, only sets one: switching methods is not a way around a lock,
// which only an unlock lifts.
// Anything else is ErrMethodUnusable, an unknown cardholder ErrNotFound.
func (s *Store) SetPreferredMethod(ctx context.Context, cardholderID int64, method issuer.Method, actor string, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var email, phone, from string
		err := tx.QueryRowContext(ctx, s.q(`SELECT email, phone, preferred_method FROM cardholders WHERE id = ?`),
			cardholderID).Scan(&email, &phone, &from)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		switch method {
		case issuer.MethodEmail:
			if email == "" {
				return fmt.Errorf("no email address: %w", ErrMethodUnusable)
			}
		case issuer.MethodSMS:
			if phone == "" {
				return fmt.Errorf("no phone: %w", ErrMethodUnusable)
			}
		case issuer.MethodApp, issuer.MethodToken, issuer.MethodPassword:
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM credentials
				WHERE cardholder_id = ? AND kind = ? AND state <> 'revoked'`), cardholderID, method).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("no %s registered: %w", method, ErrMethodUnusable)
			}
		default:
			return fmt.Errorf("unknown method %q: %w", method, ErrMethodUnusable)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE cardholders SET preferred_method = ? WHERE id = ?`), method, cardholderID); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, now, actor, "method_change", "", map[string]any{
			"cardholder": cardholderID, "from": from, "to": method}); err != nil {
			return err
		}
		return s.markOTPLock(ctx, tx, cardholderID)
	})
	if err != nil {
		return fmt.Errorf("store: set method of %d to %q: %w", cardholderID, method, err)
	}
	return nil
}
