package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/issuer"

	"github.com/honnin/honnin/edge/limits"
)

const credColumns = `c.id, c.public_id, c.cardholder_id, c.kind, c.state, c.lock_reason, c.failures, c.epoch,
	c.last_step, c.drift, COALESCE(t.seed_enc, c.seed_enc), COALESCE(t.digits, c.digits),
	COALESCE(t.period, c.period), COALESCE(t.algorithm, c.algorithm), COALESCE(t.serial, ''),
	c.password_hash, c.created_at, c.updated_at, c.locked_at, c.last_used_at`

// credFrom is the FROM clause credColumns needs.
const credFrom = ` FROM credentials c LEFT JOIN tokens t ON t.id = c.token_id `

func scanCredential(row interface{ Scan(...any) error }) (issuer.Credential, error) {
	var c issuer.Credential
	var created, updated int64
	var locked, used sql.NullInt64
	err := row.Scan(&c.ID, &c.PublicID, &c.CardholderID, &c.Kind, &c.State, &c.LockReason, &c.Failures, &c.Epoch,
		&c.LastStep, &c.Drift, &c.Seed, &c.TOTP.Digits, &c.TOTP.Period, &c.TOTP.Algorithm, &c.Serial,
		&c.PasswordHash, &created, &updated, &locked, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return issuer.Credential{}, ErrNotFound
	}
	if err != nil {
		return issuer.Credential{}, err
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	c.LockedAt, c.LastUsedAt = fromNullMS(locked), fromNullMS(used)
	return c, nil
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) credentials(ctx context.Context, q queryer, where string, args ...any) ([]issuer.Credential, error) {
	rows, err := q.QueryContext(ctx, s.q(`SELECT `+credColumns+credFrom+`WHERE `+where+` ORDER BY c.id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []issuer.Credential
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Store) credential(ctx context.Context, q queryer, where string, args ...any) (issuer.Credential, error) {
	return scanCredential(q.QueryRowContext(ctx, s.q(`SELECT `+credColumns+credFrom+`WHERE `+where), args...))
}

// newPublicID returns a fresh credential public id (the form of
// challenge.NewID).
func newPublicID() string { return newID() }

// insertCredential inserts c (kind, cardholder and the kind's fields) as
// active and returns the stored row.
func (s *Store) insertCredential(ctx context.Context, tx *sql.Tx, c issuer.Credential, tokenID sql.NullInt64, now time.Time) (issuer.Credential, error) {
	if c.PublicID == "" {
		c.PublicID = newPublicID()
	}
	var id int64
	err := tx.QueryRowContext(ctx, s.q(`INSERT INTO credentials
		(public_id, cardholder_id, kind, state, seed_enc, digits, period, algorithm, token_id, password_hash,
		 created_at, updated_at)
		VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		c.PublicID, c.CardholderID, c.Kind, c.Seed, c.TOTP.Digits, c.TOTP.Period, c.TOTP.Algorithm, tokenID,
		c.PasswordHash, ms(now), ms(now)).Scan(&id)
	if err != nil {
		if isConstraint(err) {
			return issuer.Credential{}, fmt.Errorf("%s credential: %w (%v)", c.Kind, ErrConflict, err)
		}
		return issuer.Credential{}, err
	}
	return s.credential(ctx, tx, `c.id = ?`, id)
}

// ContactCredential returns the cardholder's non-revoked email or sms
// credential, creating it (active) if there is none: contact credentials
// are made on demand, their destination is the cardholder's address.
// One that exists is read without a transaction (every start asks): only
// creating one takes the writer's turn, and reads again in it.
func (s *Store) ContactCredential(ctx context.Context, cardholderID int64, kind issuer.Method, now time.Time) (issuer.Credential, error) {
	if kind != issuer.MethodEmail && kind != issuer.MethodSMS {
		return issuer.Credential{}, fmt.Errorf("store: contact credential of %d: kind %q is not email or sms", cardholderID, kind)
	}
	const which = `c.cardholder_id = ? AND c.kind = ? AND c.state <> 'revoked'`
	c, err := s.credential(ctx, s.db, which, cardholderID, kind)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return issuer.Credential{}, fmt.Errorf("store: %s credential of %d: %w", kind, cardholderID, err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = s.credential(ctx, tx, which, cardholderID, kind)
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		c, err = s.insertCredential(ctx, tx, issuer.Credential{CardholderID: cardholderID, Kind: kind}, sql.NullInt64{}, now)
		if err != nil {
			return err
		}
		return s.auditCred(ctx, tx, now, "issuer", "credential_create", c, nil)
	})
	if err != nil {
		return issuer.Credential{}, fmt.Errorf("store: %s credential of %d: %w", kind, cardholderID, err)
	}
	return c, nil
}

// ActiveCredentials returns the cardholder's active credentials of kind,
// oldest first: the ones a challenge of that method may offer.
func (s *Store) ActiveCredentials(ctx context.Context, cardholderID int64, kind issuer.Method) ([]issuer.Credential, error) {
	cs, err := s.credentials(ctx, s.db, `c.cardholder_id = ? AND c.kind = ? AND c.state = 'active'`, cardholderID, kind)
	if err != nil {
		return nil, fmt.Errorf("store: active %s credentials of %d: %w", kind, cardholderID, err)
	}
	return cs, nil
}

// CredentialsOf returns the cardholder's non-revoked credentials of all
// kinds, oldest first.
func (s *Store) CredentialsOf(ctx context.Context, cardholderID int64) ([]issuer.Credential, error) {
	cs, err := s.credentials(ctx, s.db, `c.cardholder_id = ? AND c.state <> 'revoked'`, cardholderID)
	if err != nil {
		return nil, fmt.Errorf("store: credentials of %d: %w", cardholderID, err)
	}
	return cs, nil
}

// CredentialByPublicID returns the credential with the given public id, in
// any state.
func (s *Store) CredentialByPublicID(ctx context.Context, publicID string) (issuer.Credential, error) {
	c, err := s.credential(ctx, s.db, `c.public_id = ?`, publicID)
	if err != nil {
		return issuer.Credential{}, fmt.Errorf("store: credential %s: %w", publicID, err)
	}
	return c, nil
}

// Credential returns the credential with the given row id, in any state.
func (s *Store) Credential(ctx context.Context, id int64) (issuer.Credential, error) {
	c, err := s.credential(ctx, s.db, `c.id = ?`, id)
	if err != nil {
		return issuer.Credential{}, fmt.Errorf("store: credential %d: %w", id, err)
	}
	return c, nil
}

// SetPassword sets the cardholder's static password (hash is an argon2id
// PHC string), creating the password credential or replacing its hash. The
// static password is off once an app or a token is registered: then
// ErrConflict.
func (s *Store) SetPassword(ctx context.Context, cardholderID int64, hash string, now time.Time) (issuer.Credential, error) {
	if hash == "" {
		return issuer.Credential{}, fmt.Errorf("store: set password of %d: empty hash", cardholderID)
	}
	var c issuer.Credential
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM credentials
			WHERE cardholder_id = ? AND kind IN ('app', 'token') AND state <> 'revoked'`), cardholderID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("an app or token is registered, the static password is off: %w", ErrConflict)
		}
		cur, err := s.credential(ctx, tx, `c.cardholder_id = ? AND c.kind = 'password' AND c.state <> 'revoked'`, cardholderID)
		switch {
		case errors.Is(err, ErrNotFound):
			c, err = s.insertCredential(ctx, tx, issuer.Credential{CardholderID: cardholderID, Kind: issuer.MethodPassword, PasswordHash: hash}, sql.NullInt64{}, now)
			if err != nil {
				return err
			}
			return s.auditCred(ctx, tx, now, "issuer", "credential_create", c, nil)
		case err != nil:
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE credentials SET password_hash = ?, updated_at = ? WHERE id = ?`),
			hash, ms(now), cur.ID); err != nil {
			return err
		}
		if c, err = s.credential(ctx, tx, `c.id = ?`, cur.ID); err != nil {
			return err
		}
		return s.auditCred(ctx, tx, now, "issuer", "password_set", c, nil)
	})
	if err != nil {
		return issuer.Credential{}, fmt.Errorf("store: set password of %d: %w", cardholderID, err)
	}
	return c, nil
}

// RegisterApp registers an authenticator app: in one transaction it
// revokes the cardholder's previous app and password credential (reason
// replaced), stores the new app, active, with its sealed seed (sealed
// under issuer.AppSeedLabel(publicID), so the caller chooses the public id)
// and, when the card's method was the password, makes the app its method:
// the password no longer authenticates (seed 000), so the card would have
// no method left, whichever door the app was registered through.
func (s *Store) RegisterApp(ctx context.Context, cardholderID int64, publicID string, sealedSeed []byte, p issuer.TOTPParams, now time.Time) (issuer.Credential, error) {
	if publicID == "" || len(sealedSeed) == 0 {
		return issuer.Credential{}, fmt.Errorf("store: register app of %d: public id and sealed seed are required", cardholderID)
	}
	var c issuer.Credential
	err := s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.credentials(ctx, tx, `c.cardholder_id = ? AND c.kind IN ('app', 'password') AND c.state <> 'revoked'`, cardholderID)
		if err != nil {
			return err
		}
		for _, o := range old {
			if err := s.setState(ctx, tx, o, issuer.CredRevoked, issuer.LockReplaced, "cardholder", now); err != nil {
				return err
			}
		}
		c, err = s.insertCredential(ctx, tx, issuer.Credential{PublicID: publicID, CardholderID: cardholderID, Kind: issuer.MethodApp,
			Seed: sealedSeed, TOTP: p.WithDefaults()}, sql.NullInt64{}, now)
		if err != nil {
			return err
		}
		if err := s.auditCred(ctx, tx, now, "cardholder", "app_register", c, nil); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE cardholders SET preferred_method = ? WHERE id = ? AND preferred_method = ?`),
			issuer.MethodApp, cardholderID, issuer.MethodPassword)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			if err := s.audit(ctx, tx, now, "cardholder", "method_change", "", map[string]any{
				"cardholder": cardholderID, "from": issuer.MethodPassword, "to": issuer.MethodApp}); err != nil {
				return err
			}
		}
		return s.refreshOTPLock(ctx, tx, cardholderID)
	})
	if err != nil {
		return issuer.Credential{}, fmt.Errorf("store: register app of %d: %w", cardholderID, err)
	}
	return c, nil
}

// ReleaseApp revokes the cardholder's app (reason released); ErrNotFound
// when it has none.
func (s *Store) ReleaseApp(ctx context.Context, cardholderID int64, actor string, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.credential(ctx, tx, `c.cardholder_id = ? AND c.kind = 'app' AND c.state <> 'revoked'`, cardholderID)
		if err != nil {
			return err
		}
		if err := s.setState(ctx, tx, c, issuer.CredRevoked, issuer.LockReleased, actor, now); err != nil {
			return err
		}
		return s.refreshOTPLock(ctx, tx, cardholderID)
	})
	if err != nil {
		return fmt.Errorf("store: release app of %d: %w", cardholderID, err)
	}
	return nil
}

// LockCredential locks credential id for reason (a Lock... value); a
// locked credential is relocked with the new reason, a revoked one is
// ErrConflict. Failures are kept. The card's OTP use is locked when it has
// no active credential of its preferred method left.
func (s *Store) LockCredential(ctx context.Context, id int64, reason, actor string, now time.Time) error {
	return s.changeCredential(ctx, "lock", id, func(tx *sql.Tx, c issuer.Credential) error {
		if err := s.setState(ctx, tx, c, issuer.CredLocked, reason, actor, now); err != nil {
			return err
		}
		return s.markOTPLock(ctx, tx, c.CardholderID)
	})
}

// UnlockCredential makes credential id active with no failures (an
// explicit unlock is a fresh start, unlike UnlockExpired: its success_seq
// becomes the card's newest challenge, so reports of wrong codes entered
// before the unlock that arrive after it count no more; see countsAfter)
// and re-evaluates the card's OTP lock. A revoked credential is ErrConflict.
func (s *Store) UnlockCredential(ctx context.Context, id int64, actor string, now time.Time) error {
	return s.changeCredential(ctx, "unlock", id, func(tx *sql.Tx, c issuer.Credential) error {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE credentials SET state = 'active', lock_reason = '', failures = 0,
			success_seq = (SELECT challenge_seq FROM cardholders WHERE cardholders.id = credentials.cardholder_id),
			locked_at = NULL, updated_at = ? WHERE id = ?`), ms(now), id); err != nil {
			return err
		}
		if err := s.auditCred(ctx, tx, now, actor, "credential_unlock", c, map[string]any{"failures": c.Failures}); err != nil {
			return err
		}
		if err := s.changed(ctx, tx, c.ID, 0, now); err != nil {
			return err
		}
		return s.refreshOTPLock(ctx, tx, c.CardholderID)
	})
}

// RevokeCredential revokes credential id for good (a lost token, a
// released app); revoking a revoked credential is ErrConflict.
func (s *Store) RevokeCredential(ctx context.Context, id int64, reason, actor string, now time.Time) error {
	return s.changeCredential(ctx, "revoke", id, func(tx *sql.Tx, c issuer.Credential) error {
		if err := s.setState(ctx, tx, c, issuer.CredRevoked, reason, actor, now); err != nil {
			return err
		}
		return s.refreshOTPLock(ctx, tx, c.CardholderID)
	})
}

// changeCredential runs change on credential id in one transaction; a
// revoked credential is final, so every change to one is ErrConflict.
func (s *Store) changeCredential(ctx context.Context, what string, id int64, change func(*sql.Tx, issuer.Credential) error) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.credential(ctx, tx, `c.id = ?`, id)
		if err != nil {
			return err
		}
		if c.State == issuer.CredRevoked {
			return fmt.Errorf("revoked: %w", ErrConflict)
		}
		return change(tx, c)
	})
	if err != nil {
		return fmt.Errorf("store: %s credential %d: %w", what, id, err)
	}
	return nil
}

// UnlockExpired is the optional timed unlock: credentials locked for
// failures at or before lockedBefore become active again, their failure
// count KEPT, so the next wrong code locks them again (a timed unlock must
// not make a credential brute-forceable one lock period at a time,
// privacyidea#1578). It returns how many it unlocked.
func (s *Store) UnlockExpired(ctx context.Context, lockedBefore time.Time, now time.Time) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cs, err := s.credentials(ctx, tx, `c.state = 'locked' AND c.lock_reason = 'failures' AND c.locked_at <= ?`, ms(lockedBefore))
		if err != nil {
			return err
		}
		cards := map[int64]bool{}
		for _, c := range cs {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE credentials SET state = 'active', lock_reason = '',
				locked_at = NULL, updated_at = ? WHERE id = ?`), ms(now), c.ID); err != nil {
				return err
			}
			if err := s.auditCred(ctx, tx, now, "issuer", "credential_unlock_timed", c, map[string]any{"failures": c.Failures}); err != nil {
				return err
			}
			// The edge keeps the count too: one more wrong code and it
			// stops comparing again, as the issuer locks again.
			if err := s.changed(ctx, tx, c.ID, limits.FailuresPerCredential-1, now); err != nil {
				return err
			}
			cards[c.CardholderID] = true
		}
		for id := range cards {
			if err := s.refreshOTPLock(ctx, tx, id); err != nil {
				return err
			}
		}
		n = len(cs)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: unlock expired locks: %w", err)
	}
	return n, nil
}

// setState moves c to state (locked or revoked) with reason, audits it and
// tells the edge: no challenge sealed before stops at it.
func (s *Store) setState(ctx context.Context, tx *sql.Tx, c issuer.Credential, state, reason, actor string, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE credentials SET state = ?, lock_reason = ?,
		locked_at = CASE WHEN ? = 'locked' THEN COALESCE(locked_at, ?) ELSE locked_at END, updated_at = ?
		WHERE id = ?`), state, reason, state, ms(now), ms(now), c.ID)
	if err != nil {
		return fmt.Errorf("credential %s to %s: %w", c.PublicID, state, err)
	}
	if err := s.changed(ctx, tx, c.ID, limits.FailuresPerCredential, now); err != nil {
		return err
	}
	action := "credential_lock"
	if state == issuer.CredRevoked {
		action = "credential_revoke"
	}
	return s.auditCred(ctx, tx, now, actor, action, c, map[string]any{"reason": reason, "failures": c.Failures})
}

// changed records, in the transaction of a change to credential id's state,
// that the edge must hear of it: the credential's epoch goes up by one,
// and its new epoch with failures (where the edge's count of its wrong
// codes stands from now on) is queued for edge/push to deliver. From that
// epoch on the edge compares no code of a challenge sealed before it:
// this is how a lock, a lost phone or a released app stops the challenges
// already handed out.
func (s *Store) changed(ctx context.Context, tx *sql.Tx, id int64, failures int, now time.Time) error {
	var pub string
	var epoch int64
	if err := tx.QueryRowContext(ctx, s.q(`UPDATE credentials SET epoch = epoch + 1 WHERE id = ? RETURNING public_id, epoch`), id).
		Scan(&pub, &epoch); err != nil {
		return fmt.Errorf("credential %d: new epoch: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO edge_pushes (cred, epoch, failures, due_at, created_at) VALUES (?, ?, ?, ?, ?)`),
		pub, epoch, failures, ms(now), ms(now)); err != nil {
		return fmt.Errorf("credential %s: queue for the edge: %w", pub, err)
	}
	return nil
}

// otpLockedWhen is the condition on a cardholders row for its OTP use to
// be locked: it has credentials of its preferred method, all locked (none
// active). A cardholder with none of that kind (not registered yet, or all
// revoked) is not locked: that is for the caller to handle.
const otpLockedWhen = `EXISTS (SELECT 1 FROM credentials c WHERE c.cardholder_id = cardholders.id
		AND c.kind = cardholders.preferred_method AND c.state = 'locked')
	AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.cardholder_id = cardholders.id
		AND c.kind = cardholders.preferred_method AND c.state = 'active')`

// markOTPLock sets cardholders.otp_locked after a lock when the cardholder
// has no active credential of its preferred method left. It only ever
// sets: a lock set by hand (UpsertCardholder) stays.
func (s *Store) markOTPLock(ctx context.Context, tx *sql.Tx, cardholderID int64) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE cardholders SET otp_locked = 1 WHERE id = ? AND `+otpLockedWhen), cardholderID)
	if err != nil {
		return fmt.Errorf("otp lock of %d: %w", cardholderID, err)
	}
	return nil
}

// refreshOTPLock sets cardholders.otp_locked from the credentials after an
// unlock, a revocation or a registration: an explicit unlock also lifts a
// lock set by hand.
func (s *Store) refreshOTPLock(ctx context.Context, tx *sql.Tx, cardholderID int64) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE cardholders SET otp_locked = CASE WHEN `+otpLockedWhen+` THEN 1 ELSE 0 END
		WHERE id = ?`), cardholderID)
	if err != nil {
		return fmt.Errorf("otp lock of %d: %w", cardholderID, err)
	}
	return nil
}

// auditCred audits an action on a credential (no authentication).
func (s *Store) auditCred(ctx context.Context, tx *sql.Tx, at time.Time, actor, action string, c issuer.Credential, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["cred"] = c.PublicID
	detail["kind"] = c.Kind
	detail["cardholder"] = c.CardholderID
	if c.Serial != "" {
		detail["serial"] = c.Serial
	}
	return s.audit(ctx, tx, at, actor, action, "", detail)
}

// CredentialAudit returns the audit entries about credential publicID,
// oldest first.
func (s *Store) CredentialAudit(ctx context.Context, publicID string) ([]AuditEntry, error) {
	out, err := s.auditQuery(ctx, `detail ->> 'cred' = ?`, publicID)
	if err != nil {
		return nil, fmt.Errorf("store: audit of credential %s: %w", publicID, err)
	}
	return out, nil
}
