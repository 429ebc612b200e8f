package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Outbox states.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// OutboxItem is one message of the outbox: a notice waiting for delivery
// (Payload set), delivered, or given up; or the record of a code send that
// failed (no Payload: nothing to deliver again).
type OutboxItem struct {
	ID int64
	// Ref is the item's random name; the payload's vault aad binds to it.
	Ref  string
	Kind string
	// Dest is the masked destination (***@mail.jp, ***-****-1234).
	Dest      string
	Payload   []byte
	State     string
	Attempts  int
	LastError string
	NextAt    time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

const outboxColumns = `id, ref, kind, dest, payload, state, attempts, last_error, next_at, created_at, updated_at`

func scanOutbox(row interface{ Scan(...any) error }) (OutboxItem, error) {
	var it OutboxItem
	var next, created, updated int64
	err := row.Scan(&it.ID, &it.Ref, &it.Kind, &it.Dest, &it.Payload, &it.State, &it.Attempts, &it.LastError,
		&next, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return OutboxItem{}, ErrNotFound
	}
	if err != nil {
		return OutboxItem{}, err
	}
	it.NextAt, it.CreatedAt, it.UpdatedAt = fromMS(next), fromMS(created), fromMS(updated)
	return it, nil
}

// Enqueue adds a pending item due at once. it.Ref and it.Payload are
// required: the payload is what the deliverer sends.
func (s *Store) Enqueue(ctx context.Context, it OutboxItem, now time.Time) (OutboxItem, error) {
	if it.Ref == "" || len(it.Payload) == 0 {
		return OutboxItem{}, fmt.Errorf("store: enqueue %s: no ref or payload", it.Kind)
	}
	got, err := scanOutbox(s.db.QueryRowContext(ctx, s.q(`INSERT INTO outbox
		(ref, kind, dest, payload, state, next_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING `+outboxColumns),
		it.Ref, it.Kind, it.Dest, it.Payload, ms(now), ms(now), ms(now)))
	if err != nil {
		return OutboxItem{}, fmt.Errorf("store: enqueue %s: %w", it.Kind, err)
	}
	return got, nil
}

// RecordFailedSend records a send that failed and will not be retried from
// the outbox (a code: the cardholder resends from the screen), so the
// operator sees it beside the notices.
func (s *Store) RecordFailedSend(ctx context.Context, kind, dest, why string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO outbox
		(ref, kind, dest, state, attempts, last_error, next_at, created_at, updated_at)
		VALUES (?, ?, ?, 'failed', 1, ?, ?, ?, ?)`),
		newID(), kind, dest, why, ms(now), ms(now), ms(now))
	if err != nil {
		return fmt.Errorf("store: record failed %s: %w", kind, err)
	}
	return nil
}

// DueOutbox returns up to limit pending items due at now, oldest due
// first.
func (s *Store) DueOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error) {
	return s.outboxQuery(ctx, `state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`, ms(now), limit)
}

// ClaimOutbox takes the due pending item id for one delivery attempt: it
// counts the attempt and moves next_at to leaseUntil, so no other
// deliverer takes it meanwhile and it comes due again if this one dies.
// An item taken already, or not pending, is ErrConflict.
func (s *Store) ClaimOutbox(ctx context.Context, id int64, now, leaseUntil time.Time) (OutboxItem, error) {
	it, err := scanOutbox(s.db.QueryRowContext(ctx, s.q(`UPDATE outbox
		SET attempts = attempts + 1, next_at = ?, updated_at = ?
		WHERE id = ? AND state = 'pending' AND next_at <= ? RETURNING `+outboxColumns),
		ms(leaseUntil), ms(now), id, ms(now)))
	if errors.Is(err, ErrNotFound) {
		return OutboxItem{}, fmt.Errorf("store: claim outbox %d: %w", id, ErrConflict)
	}
	if err != nil {
		return OutboxItem{}, fmt.Errorf("store: claim outbox %d: %w", id, err)
	}
	return it, nil
}

// OutboxDelivered marks item id sent and forgets its payload.
func (s *Store) OutboxDelivered(ctx context.Context, id int64, now time.Time) error {
	return s.outboxUpdate(ctx, id, `state = 'sent', payload = NULL, last_error = '', updated_at = ?`, ms(now))
}

// OutboxRetryAt records a failed attempt of item id and makes it due again
// at next.
func (s *Store) OutboxRetryAt(ctx context.Context, id int64, why string, next, now time.Time) error {
	return s.outboxUpdate(ctx, id, `last_error = ?, next_at = ?, updated_at = ?`, why, ms(next), ms(now))
}

// OutboxGiveUp marks item id failed for good (until an operator retries
// it), keeping its payload for that retry.
func (s *Store) OutboxGiveUp(ctx context.Context, id int64, why string, now time.Time) error {
	return s.outboxUpdate(ctx, id, `state = 'failed', last_error = ?, updated_at = ?`, why, ms(now))
}

func (s *Store) outboxUpdate(ctx context.Context, id int64, set string, args ...any) error {
	if err := changedRow(s.db.ExecContext(ctx, s.q(`UPDATE outbox SET `+set+` WHERE id = ?`), append(args, id)...)); err != nil {
		return fmt.Errorf("store: outbox %d: %w", id, err)
	}
	return nil
}

// RetryOutbox puts failed item id back to pending, due at now, with its
// attempts counted afresh. ErrNotFound: no such item; ErrConflict: it is
// not failed, or it is a record with nothing to send.
func (s *Store) RetryOutbox(ctx context.Context, id int64, now time.Time) (OutboxItem, error) {
	it, err := scanOutbox(s.db.QueryRowContext(ctx, s.q(`UPDATE outbox
		SET state = 'pending', attempts = 0, next_at = ?, updated_at = ?
		WHERE id = ? AND state = 'failed' AND payload IS NOT NULL RETURNING `+outboxColumns),
		ms(now), ms(now), id))
	if errors.Is(err, ErrNotFound) {
		var state string
		var hasPayload bool
		err = s.db.QueryRowContext(ctx, s.q(`SELECT state, payload IS NOT NULL FROM outbox WHERE id = ?`), id).Scan(&state, &hasPayload)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = ErrNotFound
		case err == nil && state != OutboxFailed:
			err = fmt.Errorf("it is %s, not failed: %w", state, ErrConflict)
		case err == nil:
			err = fmt.Errorf("a failed code send has nothing to send again: %w", ErrConflict)
		}
	}
	if err != nil {
		return OutboxItem{}, fmt.Errorf("store: retry outbox %d: %w", id, err)
	}
	return it, nil
}

// Outbox returns the items in the given states (all when none), newest
// first, at most limit (no cap when limit <= 0).
func (s *Store) Outbox(ctx context.Context, states []string, limit int) ([]OutboxItem, error) {
	if limit <= 0 {
		limit = math.MaxInt32
	}
	where, args := `1 = 1`, []any{}
	if len(states) > 0 {
		where = `state IN (?` + strings.Repeat(`, ?`, len(states)-1) + `)`
		for _, st := range states {
			args = append(args, st)
		}
	}
	return s.outboxQuery(ctx, where+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
}

func (s *Store) outboxQuery(ctx context.Context, where string, args ...any) ([]OutboxItem, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+outboxColumns+` FROM outbox WHERE `+where), args...)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("store: outbox: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
