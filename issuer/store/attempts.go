package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/honnin/honnin/issuer"
)

// RecordAttempts charges the wrong codes of authentication authID to its
// credentials. It is called on every result report, progress (C) or final.
//
// attempts is the authentication's running total of wrong codes; reports
// may repeat or arrive out of order, so only the part not yet charged
// (attempts - failures_seen, when positive) is added, to every non-revoked
// credential in the authentication's creds whose count it belongs to
// (countsAfter: not one reset by a success on this challenge or a later
// one of the card), and failures_seen becomes attempts. A credential whose
// count reaches limit is locked (reason failures) and returned in locked,
// once: the caller tells the cardholder. A locked credential keeps
// counting. When the cardholder is left without an active credential of
// its preferred method, its OTP use is locked.
func (s *Store) RecordAttempts(ctx context.Context, authID string, attempts, limit int, now time.Time) (locked []issuer.Credential, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		locked = nil // a retried run starts over
		a, err := scanAuthentication(tx.QueryRowContext(ctx, s.q(`SELECT `+authColumns+` FROM authentications WHERE id = ?`), authID))
		if err != nil {
			return err
		}
		delta := attempts - a.FailuresSeen
		if delta <= 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE authentications SET failures_seen = ?, updated_at = ? WHERE id = ?`),
			attempts, ms(now), authID); err != nil {
			return err
		}
		if len(a.Creds) == 0 {
			return nil
		}
		var cards []int64
		for _, pub := range a.Creds {
			c, err := s.credential(ctx, tx, `c.public_id = ?`, pub)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if c.State == issuer.CredRevoked {
				continue
			}
			successSeq, err := s.successSeq(ctx, tx, c.ID)
			if err != nil {
				return err
			}
			if !countsAfter(a, successSeq) {
				continue
			}
			c.Failures += delta
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE credentials SET failures = ?, updated_at = ? WHERE id = ?`),
				c.Failures, ms(now), c.ID); err != nil {
				return err
			}
			if c.State == issuer.CredActive && c.Failures >= limit {
				if err := s.setState(ctx, tx, c, issuer.CredLocked, issuer.LockFailures, "issuer", now); err != nil {
					return err
				}
				c.State, c.LockReason, c.LockedAt, c.UpdatedAt = issuer.CredLocked, issuer.LockFailures, now, now
				locked = append(locked, c)
				if !slices.Contains(cards, c.CardholderID) {
					cards = append(cards, c.CardholderID)
				}
			}
		}
		for _, id := range cards {
			if err := s.markOTPLock(ctx, tx, id); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, now, "edge", "attempts", authID, map[string]any{
			"attempts": attempts, "charged": delta, "locked": len(locked)})
	})
	if err != nil {
		return nil, fmt.Errorf("store: record attempts of %s: %w", authID, err)
	}
	return locked, nil
}

// countsAfter is the one rule that puts the reports of a credential's
// wrong codes and successes in the edge's order, whatever order they
// arrive in: the wrong codes of authentication a count against a
// credential whose newest success was on the card's challenge successSeq
// only if a's challenge came after it. The edge refuses a try on a
// challenge once a newer one of the card was started, so every wrong code
// of a challenge at or before successSeq was entered before that success
// (the success's own challenge included: its wrong codes came before its
// right one), and the success reset them. An authentication without a
// card_seq (started before the issuer kept them) has no place in that
// order: its wrong codes count unless it ended in Y.
func countsAfter(a issuer.Authentication, successSeq int64) bool {
	if a.CardSeq == 0 {
		return a.Status != "Y"
	}
	return a.CardSeq > successSeq
}

// successSeq returns credentials.success_seq of credential id.
func (s *Store) successSeq(ctx context.Context, tx *sql.Tx, id int64) (int64, error) {
	var seq int64
	if err := tx.QueryRowContext(ctx, s.q(`SELECT success_seq FROM credentials WHERE id = ?`), id).Scan(&seq); err != nil {
		return 0, fmt.Errorf("credential %d: success seq: %w", id, err)
	}
	return seq, nil
}

// failuresAfter is what credential pub's count is after a success on
// authentication a: the wrong codes already charged by the card's
// challenges after a's (countsAfter), which the edge counted after the
// success: their reports overtook a's.
func (s *Store) failuresAfter(ctx context.Context, tx *sql.Tx, a issuer.Authentication, pub string) (int, error) {
	if a.CardSeq == 0 || a.CardholderID == 0 {
		return 0, nil
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT creds, failures_seen FROM authentications
		WHERE cardholder_id = ? AND card_seq > ? AND failures_seen > 0`), a.CardholderID, a.CardSeq)
	if err != nil {
		return 0, fmt.Errorf("failures after %s: %w", a.ID, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var creds string
		var seen int
		if err := rows.Scan(&creds, &seen); err != nil {
			return 0, err
		}
		var list []string
		if err := json.Unmarshal([]byte(creds), &list); err != nil {
			return 0, fmt.Errorf("failures after %s: creds: %w", a.ID, err)
		}
		if slices.Contains(list, pub) {
			n += seen
		}
	}
	return n, rows.Err()
}

// RecordSuccess records that credential credPublicID (one of the
// authentication's creds, else ErrConflict) matched: its count of
// consecutive failures starts again from this challenge — to 0, or to the
// wrong codes of the card's later challenges whose reports came first
// (failuresAfter) — and its success_seq becomes the challenge's card_seq;
// last_step goes to max(last_step, step) (0 for email/SMS), drift to
// drift, last_used_at to now. A success on a challenge at or before
// success_seq (a repeat, or one overtaken by a newer success) changes
// nothing but last_step: it is idempotent, so the edge's retry of a report
// whose first try failed half-way completes it. Only while the credential
// is active: a locked credential's count is never reset by a success
// (RecordResult refuses such a Y anyway; this holds if the lock came in
// between).
func (s *Store) RecordSuccess(ctx context.Context, authID, credPublicID string, step int64, drift int, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		a, err := scanAuthentication(tx.QueryRowContext(ctx, s.q(`SELECT `+authColumns+` FROM authentications WHERE id = ?`), authID))
		if err != nil {
			return err
		}
		if !slices.Contains(a.Creds, credPublicID) {
			return fmt.Errorf("credential %s was not offered: %w", credPublicID, ErrConflict)
		}
		c, err := s.credential(ctx, tx, `c.public_id = ?`, credPublicID)
		if err != nil {
			return err
		}
		if c.State != issuer.CredActive {
			return s.audit(ctx, tx, now, "edge", "credential_success_refused", authID, map[string]any{
				"cred": credPublicID, "kind": c.Kind, "state": c.State, "failures": c.Failures})
		}
		successSeq, err := s.successSeq(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if a.CardSeq != 0 && !countsAfter(a, successSeq) {
			_, err := tx.ExecContext(ctx, s.q(`UPDATE credentials SET last_step = ? WHERE id = ? AND last_step < ?`), step, c.ID, step)
			return err
		}
		failures, err := s.failuresAfter(ctx, tx, a, credPublicID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE credentials SET failures = ?,
			success_seq = CASE WHEN success_seq > ? THEN success_seq ELSE ? END,
			last_step = CASE WHEN last_step > ? THEN last_step ELSE ? END,
			drift = ?, last_used_at = ?, updated_at = ? WHERE id = ? AND state = 'active'`),
			failures, a.CardSeq, a.CardSeq, step, step, drift, ms(now), ms(now), c.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, now, "edge", "credential_success", authID, map[string]any{
			"cred": credPublicID, "kind": c.Kind, "step": step, "drift": drift, "failures": c.Failures, "after": failures})
	})
	if err != nil {
		return fmt.Errorf("store: record success of %s with %s: %w", authID, credPublicID, err)
	}
	return nil
}

// SendCap is the cap of codes per destination (SMS pumping) that a
// challenge's send is reserved against, in the transaction that records
// the challenge: fewer than Limit sends to Dest in (now-Window, now].
type SendCap struct {
	Dest   []byte // keyed hash of the address or number, never the address
	Kind   issuer.Method
	Window time.Duration
	Limit  int
}

// ErrSendCap: the destination's send cap is reached; nothing was
// recorded.
var ErrSendCap = errors.New("send cap of the destination reached")

// reserveSend records a send to c.Dest for authID if fewer than c.Limit
// were recorded in (now-window, now], else ErrSendCap: one guarded
// INSERT, whose count and row are one statement. In tx: on SQLite the
// write lock, on PostgreSQL SERIALIZABLE keeps the cap exact under
// concurrent calls.
func (s *Store) reserveSend(ctx context.Context, tx *sql.Tx, c SendCap, authID string, now time.Time) error {
	err := changedRow(tx.ExecContext(ctx, s.q(`INSERT INTO sends (dest_hash, kind, authentication_id, at)
		SELECT ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM sends WHERE dest_hash = ? AND at > ?) < ?`),
		c.Dest, c.Kind, authID, ms(now), c.Dest, ms(now.Add(-c.Window)), c.Limit))
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%d %s sends in %s: %w", c.Limit, c.Kind, c.Window, ErrSendCap)
	}
	if err != nil {
		return fmt.Errorf("reserve %s send: %w", c.Kind, err)
	}
	return nil
}
