package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/issuer"
)

// ErrSendLimit: the cardholder has been sent as many contact-change codes
// as a day allows. New addresses are chosen by whoever holds the session,
// so without a cap the portal would be a free SMS and mail cannon (SMS
// pumping).
var ErrSendLimit = errors.New("contact code send limit reached")

// ContactChange is a new email address or phone waiting for the code sent
// to it: the address changes only once the cardholder proves it receives
// there, so a typo cannot send the next purchase's code to a stranger.
type ContactChange struct {
	ID           int64
	CardholderID int64
	Kind         issuer.Method // email or sms
	// Value is the new address, or the phone in E.164.
	Value string
	// Code is the vault-sealed code (aad ContactCodeAAD).
	Code         []byte
	Tries, Sends int
	// SentAt is when the newest code was sent (the resend cooldown counts
	// from it); the change works while now < ExpiresAt.
	SentAt, ExpiresAt, CreatedAt time.Time
}

// ContactCodeAAD binds a sealed contact code to the change it confirms,
// so a ciphertext copied to another cardholder's or another address's row
// does not open.
func ContactCodeAAD(cardholderID int64, kind issuer.Method, value string) []byte {
	return fmt.Appendf(nil, "contact:%d:%s:%s", cardholderID, kind, value)
}

const contactColumns = `id, cardholder_id, kind, value, code_enc, tries, sends, sent_at, expires_at, created_at`

func scanContactChange(row interface{ Scan(...any) error }) (ContactChange, error) {
	var c ContactChange
	var sent, expires, created int64
	err := row.Scan(&c.ID, &c.CardholderID, &c.Kind, &c.Value, &c.Code, &c.Tries, &c.Sends, &sent, &expires, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return ContactChange{}, ErrNotFound
	}
	if err != nil {
		return ContactChange{}, err
	}
	c.SentAt, c.ExpiresAt, c.CreatedAt = fromMS(sent), fromMS(expires), fromMS(created)
	return c, nil
}

// pendingWhere selects the changes that can still be confirmed. A change
// out of tries is among the voided: WrongContactCode voids it in the
// statement that counts its last try.
const pendingWhere = `used_at IS NULL AND voided_at IS NULL AND expires_at > ?`

// checkSendLimit refuses a send when the cardholder's contact changes of
// the last window already had limit codes sent.
func (s *Store) checkSendLimit(ctx context.Context, tx *sql.Tx, cardholderID int64, now time.Time, window time.Duration, limit int) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COALESCE(SUM(sends), 0) FROM contact_changes
		WHERE cardholder_id = ? AND created_at > ?`), cardholderID, ms(now.Add(-window))).Scan(&n); err != nil {
		return err
	}
	if n >= limit {
		return fmt.Errorf("%d codes in %s: %w", n, window, ErrSendLimit)
	}
	return nil
}

// BeginContactChange records a change with its first code (c.Code, sealed;
// c.CreatedAt is now, which is also the send time) and voids the
// cardholder's earlier pending changes of the same kind: only the newest
// code works. More than limit codes in window is ErrSendLimit.
func (s *Store) BeginContactChange(ctx context.Context, c ContactChange, window time.Duration, limit int) (ContactChange, error) {
	if c.Kind != issuer.MethodEmail && c.Kind != issuer.MethodSMS {
		return ContactChange{}, fmt.Errorf("store: begin contact change of %d: kind %q is not email or sms", c.CardholderID, c.Kind)
	}
	if c.Value == "" || len(c.Code) == 0 || !c.ExpiresAt.After(c.CreatedAt) {
		return ContactChange{}, fmt.Errorf("store: begin contact change of %d: value, sealed code and a later expiry are required", c.CardholderID)
	}
	var out ContactChange
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkSendLimit(ctx, tx, c.CardholderID, c.CreatedAt, window, limit); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE contact_changes SET voided_at = ?
			WHERE cardholder_id = ? AND kind = ? AND used_at IS NULL AND voided_at IS NULL`),
			ms(c.CreatedAt), c.CardholderID, c.Kind); err != nil {
			return err
		}
		var err error
		out, err = scanContactChange(tx.QueryRowContext(ctx, s.q(`INSERT INTO contact_changes
			(cardholder_id, kind, value, code_enc, tries, sends, sent_at, expires_at, created_at)
			VALUES (?, ?, ?, ?, 0, 1, ?, ?, ?) RETURNING `+contactColumns),
			c.CardholderID, c.Kind, c.Value, c.Code, ms(c.CreatedAt), ms(c.ExpiresAt), ms(c.CreatedAt)))
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, c.CreatedAt, "cardholder", "contact_change_begin", "", map[string]any{
			"cardholder": c.CardholderID, "kind": c.Kind, "change": out.ID})
	})
	if err != nil {
		return ContactChange{}, fmt.Errorf("store: begin %s change of %d: %w", c.Kind, c.CardholderID, err)
	}
	return out, nil
}

// PendingContactChange returns the cardholder's newest change of kind that
// can still be confirmed (not used, voided, expired or out of tries).
func (s *Store) PendingContactChange(ctx context.Context, cardholderID int64, kind issuer.Method, now time.Time) (ContactChange, error) {
	c, err := scanContactChange(s.db.QueryRowContext(ctx, s.q(`SELECT `+contactColumns+` FROM contact_changes
		WHERE cardholder_id = ? AND kind = ? AND `+pendingWhere+` ORDER BY id DESC LIMIT 1`),
		cardholderID, kind, ms(now)))
	if err != nil {
		return ContactChange{}, fmt.Errorf("store: pending %s change of %d: %w", kind, cardholderID, err)
	}
	return c, nil
}

// ResendContactCode replaces pending change id's code with sealed (valid
// until expires), only once cooldown has passed since the last send
// (*CooldownError otherwise), while the change has had fewer than maxSends
// codes (ErrResendLimit) and the day's limit is not reached
// (ErrSendLimit). The earlier code stops working. A change that is not
// pending is ErrNotFound.
func (s *Store) ResendContactCode(ctx context.Context, id int64, sealed []byte, now, expires time.Time,
	cooldown time.Duration, maxSends int, window time.Duration, limit int) (ContactChange, error) {
	var out ContactChange
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := scanContactChange(tx.QueryRowContext(ctx, s.q(`SELECT `+contactColumns+` FROM contact_changes
			WHERE id = ? AND `+pendingWhere), id, ms(now)))
		if err != nil {
			return err
		}
		if retry := cur.SentAt.Add(cooldown); now.Before(retry) {
			return &CooldownError{RetryAt: retry}
		}
		if cur.Sends >= maxSends {
			return fmt.Errorf("%d codes sent: %w", cur.Sends, ErrResendLimit)
		}
		if err := s.checkSendLimit(ctx, tx, cur.CardholderID, now, window, limit); err != nil {
			return err
		}
		// The guard on sends makes two concurrent resends send once.
		out, err = scanContactChange(tx.QueryRowContext(ctx, s.q(`UPDATE contact_changes
			SET code_enc = ?, sends = sends + 1, sent_at = ?, expires_at = ?
			WHERE id = ? AND sends = ? RETURNING `+contactColumns), sealed, ms(now), ms(expires), id, cur.Sends))
		if errors.Is(err, ErrNotFound) {
			return &CooldownError{RetryAt: now.Add(cooldown)}
		}
		return err
	})
	if err != nil {
		return ContactChange{}, fmt.Errorf("store: resend contact code %d: %w", id, err)
	}
	return out, nil
}

// WrongContactCode counts a wrong code against pending change id and
// returns how many of maxTries are left (the caller's policy:
// edge/onetime's ContactChange.Tries); at 0 the change is void, in the
// same statement, so no confirmation can slip in after the last try.
func (s *Store) WrongContactCode(ctx context.Context, id int64, now time.Time, maxTries int) (left int, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var tries int
		var cardholder int64
		err := tx.QueryRowContext(ctx, s.q(`UPDATE contact_changes SET tries = tries + 1,
				voided_at = CASE WHEN tries + 1 >= ? THEN ? ELSE voided_at END
			WHERE id = ? AND `+pendingWhere+` RETURNING tries, cardholder_id`),
			maxTries, ms(now), id, ms(now)).Scan(&tries, &cardholder)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		left = max(maxTries-tries, 0)
		return s.audit(ctx, tx, now, "cardholder", "contact_change_wrong", "", map[string]any{
			"cardholder": cardholder, "change": id, "tries": tries})
	})
	if err != nil {
		return 0, fmt.Errorf("store: wrong contact code %d: %w", id, err)
	}
	return left, nil
}

// CompleteContactChange applies pending change id in one transaction: the
// change is used (so a second confirmation fails with ErrNotFound), the
// cardholder's address or phone becomes the new value, and the contact
// credential of that kind is replaced by a new row in the same state (a
// credential locked for wrong codes stays locked: a new address is not a
// way around a lock), so the audit trail tells codes sent to the old
// destination from codes sent to the new one. It returns the old value,
// for the notice to it. The next challenge reads the new value: nothing
// else has to happen for codes to go there.
func (s *Store) CompleteContactChange(ctx context.Context, id int64, now time.Time) (old string, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		c, err := scanContactChange(tx.QueryRowContext(ctx, s.q(`UPDATE contact_changes SET used_at = ?
			WHERE id = ? AND `+pendingWhere+` RETURNING `+contactColumns), ms(now), id, ms(now)))
		if err != nil {
			return err
		}
		column := "email"
		if c.Kind == issuer.MethodSMS {
			column = "phone"
		}
		if err := tx.QueryRowContext(ctx, s.q(`SELECT `+column+` FROM cardholders WHERE id = ?`), c.CardholderID).Scan(&old); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE cardholders SET `+column+` = ? WHERE id = ?`), c.Value, c.CardholderID); err != nil {
			return err
		}
		cur, err := s.credential(ctx, tx, `c.cardholder_id = ? AND c.kind = ? AND c.state <> 'revoked'`, c.CardholderID, c.Kind)
		switch {
		case errors.Is(err, ErrNotFound):
			// None yet: ContactCredential makes one on first use.
		case err != nil:
			return err
		default:
			if err := s.setState(ctx, tx, cur, issuer.CredRevoked, issuer.LockReplaced, "cardholder", now); err != nil {
				return err
			}
			next, err := s.insertCredential(ctx, tx, issuer.Credential{CardholderID: c.CardholderID, Kind: c.Kind}, sql.NullInt64{}, now)
			if err != nil {
				return err
			}
			if cur.State == issuer.CredLocked {
				if _, err := tx.ExecContext(ctx, s.q(`UPDATE credentials SET state = 'locked', lock_reason = ?,
					failures = ?, locked_at = ? WHERE id = ?`), cur.LockReason, cur.Failures, nullMS(cur.LockedAt), next.ID); err != nil {
					return err
				}
			}
			if err := s.auditCred(ctx, tx, now, "cardholder", "credential_create", next, map[string]any{"replaces": cur.PublicID}); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, tx, now, "cardholder", "contact_change", "", map[string]any{
			"cardholder": c.CardholderID, "kind": c.Kind, "change": c.ID}); err != nil {
			return err
		}
		return s.markOTPLock(ctx, tx, c.CardholderID)
	})
	if err != nil {
		return "", fmt.Errorf("store: complete contact change %d: %w", id, err)
	}
	return old, nil
}

// VoidContactChange voids pending change id: its code could not be sent,
// so the cardholder may start again without waiting for a cooldown.
func (s *Store) VoidContactChange(ctx context.Context, id int64, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.q(`UPDATE contact_changes SET voided_at = ?
		WHERE id = ? AND used_at IS NULL AND voided_at IS NULL`), ms(now), id); err != nil {
		return fmt.Errorf("store: void contact change %d: %w", id, err)
	}
	return nil
}
