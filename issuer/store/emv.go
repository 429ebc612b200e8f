package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer"
)

// EMVTransaction is the EMV 3-D Secure side of an authentication a
// Directory Server asked for (issue 14): the ids and version of its AReq,
// where the browser's final CRes goes, the timers' state and the RReq owed
// to the DS.
type EMVTransaction struct {
	ACSTransID        string
	AuthenticationID  string
	ServerTransID     string
	DSTransID         string
	DSReferenceNumber string
	MessageVersion    string
	MessageCategory   string
	DeviceChannel     string
	NotificationURL   string
	// AResStatus is the transStatus the ARes gave; only C has a challenge
	// and so an RReq.
	AResStatus string
	AResAt     time.Time
	CReqAt     time.Time
	WindowSize string
	// ChallengeCancel is set when a timer ended the challenge (05 no
	// CReq, 04 timed out).
	ChallengeCancel string
	RReq            string
	RReqDueAt       time.Time
	RReqAttempts    int
	RReqSentAt      time.Time
	ResultsStatus   string
	RReqError       string
}

// ErrTooLate: the first CReq came after its deadline (or a timer ended the
// challenge already).
var ErrTooLate = errors.New("too late")

const emvColumns = `acs_trans_id, authentication_id, server_trans_id, ds_trans_id, ds_reference_number,
	message_version, message_category, device_channel, notification_url, ares_status, ares_at, creq_at,
	window_size, challenge_cancel, COALESCE(rreq, ''), rreq_due_at, rreq_attempts, rreq_sent_at,
	results_status, rreq_error`

func scanEMV(row interface{ Scan(...any) error }) (EMVTransaction, error) {
	var t EMVTransaction
	var aresAt int64
	var creqAt, due, sent sql.NullInt64
	err := row.Scan(&t.ACSTransID, &t.AuthenticationID, &t.ServerTransID, &t.DSTransID, &t.DSReferenceNumber,
		&t.MessageVersion, &t.MessageCategory, &t.DeviceChannel, &t.NotificationURL, &t.AResStatus, &aresAt, &creqAt,
		&t.WindowSize, &t.ChallengeCancel, &t.RReq, &due, &t.RReqAttempts, &sent, &t.ResultsStatus, &t.RReqError)
	if errors.Is(err, sql.ErrNoRows) {
		return EMVTransaction{}, ErrNotFound
	}
	if err != nil {
		return EMVTransaction{}, err
	}
	t.AResAt, t.CReqAt, t.RReqDueAt, t.RReqSentAt = fromMS(aresAt), fromNullMS(creqAt), fromNullMS(due), fromNullMS(sent)
	return t, nil
}

// CreateEMVTransaction records the EMV side of an authentication whose
// ARes is being sent. It is written after the authentication's decision,
// so AResStatus is final: a crash before it leaves an authentication no DS
// was told of, never an EMV transaction whose ARes differs from it.
func (s *Store) CreateEMVTransaction(ctx context.Context, t EMVTransaction) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO emv_transactions (acs_trans_id, authentication_id, server_trans_id,
		ds_trans_id, ds_reference_number, message_version, message_category, device_channel, notification_url,
		ares_status, ares_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		t.ACSTransID, t.AuthenticationID, t.ServerTransID, t.DSTransID, t.DSReferenceNumber, t.MessageVersion,
		t.MessageCategory, t.DeviceChannel, t.NotificationURL, t.AResStatus, ms(t.AResAt))
	if err != nil {
		return fmt.Errorf("store: create EMV transaction %s: %w", t.ACSTransID, err)
	}
	return nil
}

// EMVTransactionByID returns the transaction acsTransID and its
// authentication.
func (s *Store) EMVTransactionByID(ctx context.Context, acsTransID string) (EMVTransaction, issuer.Authentication, error) {
	t, err := scanEMV(s.db.QueryRowContext(ctx, s.q(`SELECT `+emvColumns+` FROM emv_transactions WHERE acs_trans_id = ?`), acsTransID))
	if err != nil {
		return t, issuer.Authentication{}, fmt.Errorf("store: EMV transaction %s: %w", acsTransID, err)
	}
	a, err := s.Authentication(ctx, t.AuthenticationID)
	return t, a, err
}

// EMVTransactionOf returns the EMV transaction of authentication id.
func (s *Store) EMVTransactionOf(ctx context.Context, id string) (EMVTransaction, error) {
	t, err := scanEMV(s.db.QueryRowContext(ctx, s.q(`SELECT `+emvColumns+` FROM emv_transactions WHERE authentication_id = ?`), id))
	if err != nil {
		return t, fmt.Errorf("store: EMV transaction of %s: %w", id, err)
	}
	return t, nil
}

// OpenEMVChallenge records the browser's CReq for acsTransID at now: the
// first one only if the ARes was given at or after firstBy (the 30 s of
// the protocol) and no timer has ended the challenge; a later one (the
// frame reloaded) always, keeping the first one's time and window. One
// statement, so the timer that ends a challenge with no CReq and a CReq
// arriving at that moment cannot both win.
func (s *Store) OpenEMVChallenge(ctx context.Context, acsTransID, window string, now, firstBy time.Time) (EMVTransaction, error) {
	t, err := scanEMV(s.db.QueryRowContext(ctx, s.q(`UPDATE emv_transactions SET
			window_size = CASE WHEN creq_at IS NULL THEN ? ELSE window_size END,
			creq_at = COALESCE(creq_at, ?)
		WHERE acs_trans_id = ? AND ares_status = 'C' AND challenge_cancel = ''
			AND (creq_at IS NOT NULL OR ares_at >= ?)
		RETURNING `+emvColumns), window, ms(now), acsTransID, ms(firstBy)))
	if errors.Is(err, ErrNotFound) {
		var status string
		switch err := s.db.QueryRowContext(ctx, s.q(`SELECT ares_status FROM emv_transactions WHERE acs_trans_id = ?`),
			acsTransID).Scan(&status); {
		case errors.Is(err, sql.ErrNoRows):
			return t, fmt.Errorf("store: CReq of %s: %w", acsTransID, ErrNotFound)
		case err != nil:
			return t, fmt.Errorf("store: CReq of %s: %w", acsTransID, err)
		case status != contract.StatusChallenge:
			return t, fmt.Errorf("store: CReq of %s with ARes %s: %w", acsTransID, status, ErrConflict)
		}
		return t, fmt.Errorf("store: CReq of %s: %w", acsTransID, ErrTooLate)
	}
	if err != nil {
		return t, fmt.Errorf("store: CReq of %s: %w", acsTransID, err)
	}
	return t, nil
}

// ExpireEMV ends the EMV challenges whose timer ran out, as N timed_out:
// those with no CReq whose ARes was before noCReqBefore (challengeCancel
// 05), and those whose CReq was before openBefore and that are still in
// progress (04). The browser can no longer finish either: a late CReq is
// refused, and openBefore is past every token such a challenge can have.
// It also forgets 3DS Method data received before methodsBefore. It
// returns how many challenges it ended.
//
// It runs every second (threeds.Results), so its cost must follow the EMV
// challenges that are due, not the table sizes: the authentication is
// looked up per due transaction (EXISTS on the primary key). An IN list of
// every open authentication instead made SQLite scan all of them, twice a
// second, abandoned merchant flows included.
func (s *Store) ExpireEMV(ctx context.Context, now, noCReqBefore, openBefore, methodsBefore time.Time) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, timer := range []struct{ cancel, cond string }{
			{"05", `creq_at IS NULL AND ares_at < ?`},
			{"04", `creq_at IS NOT NULL AND creq_at < ?`},
		} {
			before := noCReqBefore
			if timer.cancel == "04" {
				before = openBefore
			}
			rows, err := tx.QueryContext(ctx, s.q(`UPDATE emv_transactions SET challenge_cancel = ?
				WHERE ares_status = 'C' AND challenge_cancel = '' AND rreq IS NULL AND `+timer.cond+`
					AND EXISTS (SELECT 1 FROM authentications a
						WHERE a.id = emv_transactions.authentication_id AND a.status = 'C')
				RETURNING authentication_id`), timer.cancel, ms(before))
			if err != nil {
				return err
			}
			var ids []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for _, id := range ids {
				if err := changedRow(tx.ExecContext(ctx, s.q(`UPDATE authentications SET status = 'N', reason = ?,
						finished_at = ?, updated_at = ?, secret_enc = NULL
					WHERE id = ? AND status = 'C'`), contract.ReasonTimedOut, ms(now), ms(now), id)); err != nil {
					return fmt.Errorf("end %s: %w", id, err)
				}
				if err := s.audit(ctx, tx, now, "issuer", "emv-timeout", id, map[string]any{"challenge_cancel": timer.cancel}); err != nil {
					return err
				}
			}
			n += len(ids)
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM emv_methods WHERE received_at < ?`), ms(methodsBefore))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: expire EMV challenges: %w", err)
	}
	return n, nil
}

// EMVOutcome is a challenged EMV transaction that has its outcome and no
// RReq yet: what the RReq is built from.
type EMVOutcome struct {
	EMVTransaction
	Authentication issuer.Authentication
}

// EMVOutcomes returns up to limit challenged transactions whose
// authentication is final and whose RReq is not built yet.
func (s *Store) EMVOutcomes(ctx context.Context, limit int) ([]EMVOutcome, error) {
	return s.emvByIDs(ctx, "EMV outcomes", `SELECT e.acs_trans_id FROM emv_transactions e
		JOIN authentications a ON a.id = e.authentication_id
		WHERE e.ares_status = 'C' AND e.rreq IS NULL AND a.status <> 'C'
		ORDER BY e.ares_at LIMIT ?`, limit)
}

// emvByIDs loads the transactions (with their authentications) whose ids
// query returns.
func (s *Store) emvByIDs(ctx context.Context, what, query string, args ...any) ([]EMVOutcome, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	out := make([]EMVOutcome, 0, len(ids))
	for _, id := range ids {
		t, a, err := s.EMVTransactionByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, EMVOutcome{EMVTransaction: t, Authentication: a})
	}
	return out, nil
}

// QueueRReq stores the RReq built for acsTransID, due at once. Only the
// first one is kept: two builders of the same outcome write it once.
func (s *Store) QueueRReq(ctx context.Context, acsTransID, rreq string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE emv_transactions SET rreq = ?, rreq_due_at = ?
		WHERE acs_trans_id = ? AND rreq IS NULL`), rreq, ms(now), acsTransID)
	if err != nil {
		return fmt.Errorf("store: queue RReq of %s: %w", acsTransID, err)
	}
	return nil
}

// ClaimRReqs returns up to limit RReqs due at now, each claimed for lease:
// its due time moves to now+lease in a statement that succeeds for one
// claimer only, so two replicas never send the same RReq at once, and one
// that dies mid-send leaves it to be sent again after the lease.
func (s *Store) ClaimRReqs(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]EMVTransaction, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT acs_trans_id, rreq_due_at FROM emv_transactions
		WHERE rreq_due_at IS NOT NULL AND rreq_due_at <= ? ORDER BY rreq_due_at LIMIT ?`), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due RReqs: %w", err)
	}
	type due struct {
		id string
		at int64
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.at); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, d)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: due RReqs: %w", err)
	}
	var out []EMVTransaction
	for _, d := range list {
		t, err := scanEMV(s.db.QueryRowContext(ctx, s.q(`UPDATE emv_transactions SET rreq_due_at = ?
			WHERE acs_trans_id = ? AND rreq_due_at = ? RETURNING `+emvColumns), ms(now.Add(lease)), d.id, d.at))
		if errors.Is(err, ErrNotFound) {
			continue // another sender claimed it
		}
		if err != nil {
			return nil, fmt.Errorf("store: claim RReq of %s: %w", d.id, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// RReqDelivered records the DS's RRes to acsTransID's RReq: nothing more
// is sent.
func (s *Store) RReqDelivered(ctx context.Context, acsTransID, resultsStatus string, now time.Time) error {
	return s.rreqDone(ctx, `UPDATE emv_transactions SET rreq_sent_at = ?, results_status = ?, rreq_due_at = NULL,
		rreq_attempts = rreq_attempts + 1, rreq_error = '' WHERE acs_trans_id = ?`, ms(now), resultsStatus, acsTransID)
}

// RReqFailed records a failed delivery of acsTransID's RReq, to be tried
// again at next.
func (s *Store) RReqFailed(ctx context.Context, acsTransID, why string, next time.Time) error {
	if len(why) > 500 {
		why = why[:500]
	}
	return s.rreqDone(ctx, `UPDATE emv_transactions SET rreq_due_at = ?, rreq_attempts = rreq_attempts + 1, rreq_error = ?
		WHERE acs_trans_id = ? AND rreq_sent_at IS NULL`, ms(next), why, acsTransID)
}

func (s *Store) rreqDone(ctx context.Context, query string, args ...any) error {
	if err := changedRow(s.db.ExecContext(ctx, s.q(query), args...)); err != nil {
		return fmt.Errorf("store: RReq delivery: %w", err)
	}
	return nil
}

// SaveEMVMethod keeps the 3DS Method's data of serverTransID (JSON of the
// device and edge signals). The first one for an id wins.
func (s *Store) SaveEMVMethod(ctx context.Context, serverTransID, device, edge string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO emv_methods (server_trans_id, device, edge, received_at)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`), serverTransID, device, edge, ms(now))
	if err != nil {
		return fmt.Errorf("store: 3DS Method data of %s: %w", serverTransID, err)
	}
	return nil
}

// EMVMethod returns the 3DS Method's data of serverTransID, received at or
// after since.
func (s *Store) EMVMethod(ctx context.Context, serverTransID string, since time.Time) (device, edge string, err error) {
	err = s.db.QueryRowContext(ctx, s.q(`SELECT device, edge FROM emv_methods WHERE server_trans_id = ? AND received_at >= ?`),
		serverTransID, ms(since)).Scan(&device, &edge)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("store: 3DS Method data of %s: %w", serverTransID, err)
	}
	return device, edge, nil
}

// EMVTransactions returns up to limit EMV transactions (0: all), newest
// first, with their authentications; undelivered keeps only the challenged
// ones whose RReq the DS has not answered yet (waiting for the outcome,
// or due).
func (s *Store) EMVTransactions(ctx context.Context, undelivered bool, limit int) ([]EMVOutcome, error) {
	where := ""
	if undelivered {
		where = ` WHERE ares_status = 'C' AND rreq_sent_at IS NULL`
	}
	q := `SELECT acs_trans_id FROM emv_transactions` + where + ` ORDER BY ares_at DESC, acs_trans_id`
	if limit > 0 {
		return s.emvByIDs(ctx, "EMV transactions", q+` LIMIT ?`, limit)
	}
	return s.emvByIDs(ctx, "EMV transactions", q)
}
