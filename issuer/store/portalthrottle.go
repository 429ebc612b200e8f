package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PortalLockedUntil returns until when portal sign-in with the card number
// hashing to panHMAC is locked; the zero time (or a past one) when it is
// not.
func (s *Store) PortalLockedUntil(ctx context.Context, panHMAC []byte) (time.Time, error) {
	var until int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT locked_until FROM portal_throttle WHERE pan_hmac = ?`), panHMAC).Scan(&until)
	if isNoRows(err) || (err == nil && until == 0) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: portal sign-in lock: %w", err)
	}
	return fromMS(until), nil
}

// PortalPasswordFailed counts a wrong portal password for the card number
// hashing to panHMAC (enrolled or not): only a password that was checked
// and was wrong, never one the hashing budget refused or abandoned. The max-th failure in a row locks
// sign-in until now+lock and starts the count again; it returns the lock's
// end, zero when this failure did not lock.
func (s *Store) PortalPasswordFailed(ctx context.Context, panHMAC []byte, now time.Time, max int, lock time.Duration) (time.Time, error) {
	var failures int
	var until int64
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO portal_throttle (pan_hmac, failures, locked_until) VALUES (?, 1, 0)
		ON CONFLICT (pan_hmac) DO UPDATE SET failures = portal_throttle.failures + 1
		RETURNING failures, locked_until`), panHMAC).Scan(&failures, &until)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: portal password failure: %w", err)
	}
	if failures < max {
		return time.Time{}, nil
	}
	end := now.Add(lock)
	if _, err := s.db.ExecContext(ctx, s.q(`UPDATE portal_throttle SET failures = 0, locked_until = ? WHERE pan_hmac = ?`),
		ms(end), panHMAC); err != nil {
		return time.Time{}, fmt.Errorf("store: portal sign-in lock: %w", err)
	}
	return end, nil
}

// PortalPasswordOK clears the card's failure count after a right password.
func (s *Store) PortalPasswordOK(ctx context.Context, panHMAC []byte) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM portal_throttle WHERE pan_hmac = ?`), panHMAC); err != nil {
		return fmt.Errorf("store: portal password ok: %w", err)
	}
	return nil
}

// PortalAttempt records a sign-in attempt from ip at now and returns the
// attempts from ip in the window ending at now (after now-window), this
// one included. Older rows of ip are removed on the way. ip is whatever
// key the caller limits by: the portal passes an IPv4 address or an IPv6
// /64 ("2001:db8:1:2::/64"). It counts attempts, whatever their outcome,
// not failures.
func (s *Store) PortalAttempt(ctx context.Context, ip string, now time.Time, window time.Duration) (int, error) {
	since := ms(now.Add(-window))
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM portal_ip_attempts WHERE ip = ? AND at <= ?`), ip, since); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO portal_ip_attempts (ip, at) VALUES (?, ?)`), ip, ms(now)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM portal_ip_attempts WHERE ip = ? AND at > ?`), ip, since).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: portal attempt: %w", err)
	}
	return n, nil
}
