package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/issuer"
)

const authColumns = `id, merchant_id, cardholder_id, order_ref, amount, currency, merchant_name,
	merchant_origin, status, reason, method, gen, av_hash, created_at, updated_at, started_at,
	last_sent_at, finished_at, decision, COALESCE(risk_score, 0), risk_reasons,
	creds, resends, failures_seen, secret_enc, card_seq, gen_at, result_token`

// scanAuthentication scans a row of authColumns, then extra (columns the
// query returns after them).
func scanAuthentication(row interface{ Scan(...any) error }, extra ...any) (issuer.Authentication, error) {
	var a issuer.Authentication
	var cardholder, started, sent, finished, genAt sql.NullInt64
	var created, updated int64
	var creds string
	err := row.Scan(append([]any{&a.ID, &a.MerchantID, &cardholder, &a.OrderRef, &a.Amount, &a.Currency,
		&a.MerchantName, &a.MerchantOrigin, &a.Status, &a.Reason, &a.Method, &a.Gen, &a.AVHash,
		&created, &updated, &started, &sent, &finished, &a.Decision, &a.RiskScore, &a.RiskReasons,
		&creds, &a.Resends, &a.FailuresSeen, &a.Secret, &a.CardSeq, &genAt, &a.ResultToken}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return issuer.Authentication{}, ErrNotFound
	}
	if err != nil {
		return issuer.Authentication{}, err
	}
	if err := json.Unmarshal([]byte(creds), &a.Creds); err != nil {
		return issuer.Authentication{}, fmt.Errorf("creds of %s: %w", a.ID, err)
	}
	a.CardholderID = cardholder.Int64
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	a.StartedAt, a.LastSentAt, a.FinishedAt = fromNullMS(started), fromNullMS(sent), fromNullMS(finished)
	a.GenAt = fromNullMS(genAt)
	return a, nil
}

// newID returns a fresh authentication id.
func newID() string { return rand.Text() }

// CreateAuthentication stores a new authentication, in status C when the
// cardholder is to be challenged or already final (N, U) when not, and
// audits it as the merchant's action. ID, UpdatedAt and (for a final status)
// FinishedAt are set from a.CreatedAt.
func (s *Store) CreateAuthentication(ctx context.Context, a issuer.Authentication) (issuer.Authentication, error) {
	a.ID = newID()
	a.UpdatedAt = a.CreatedAt
	if a.Final() {
		a.FinishedAt = a.CreatedAt
	}
	var cardholder sql.NullInt64
	if a.CardholderID != 0 {
		cardholder = sql.NullInt64{Int64: a.CardholderID, Valid: true}
	}
	var rangeID sql.NullInt64
	if a.RangeID != 0 {
		rangeID = sql.NullInt64{Int64: a.RangeID, Valid: true}
	}
	var got issuer.Authentication
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		got, err = scanAuthentication(tx.QueryRowContext(ctx, s.q(`INSERT INTO authentications
			(id, merchant_id, cardholder_id, order_ref, amount, currency, merchant_name, merchant_origin,
			 status, reason, method, gen, created_at, updated_at, finished_at, range_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?, ?, ?, ?)
			RETURNING `+authColumns),
			a.ID, a.MerchantID, cardholder, a.OrderRef, a.Amount, a.Currency, a.MerchantName, a.MerchantOrigin,
			a.Status, a.Reason, ms(a.CreatedAt), ms(a.UpdatedAt), nullMS(a.FinishedAt), rangeID))
		if err != nil {
			return err
		}
		got.RangeID = a.RangeID
		return s.audit(ctx, tx, a.CreatedAt, fmt.Sprintf("merchant:%d", a.MerchantID), "create", a.ID,
			map[string]any{"status": a.Status, "reason": a.Reason, "amount": a.Amount, "currency": a.Currency})
	})
	if err != nil {
		return issuer.Authentication{}, fmt.Errorf("store: create authentication: %w", err)
	}
	return got, nil
}

// Authentication returns the authentication with the given id.
func (s *Store) Authentication(ctx context.Context, id string) (issuer.Authentication, error) {
	a, err := scanAuthentication(s.db.QueryRowContext(ctx, s.q(`SELECT `+authColumns+` FROM authentications WHERE id = ?`), id))
	if err != nil {
		return issuer.Authentication{}, fmt.Errorf("store: authentication %s: %w", id, err)
	}
	return a, nil
}

// MerchantAuthentication returns the authentication with the given id if it
// belongs to the merchant, and ErrNotFound otherwise: another merchant's
// authentication does not exist as far as this one can tell.
func (s *Store) MerchantAuthentication(ctx context.Context, merchantID int64, id string) (issuer.Authentication, error) {
	a, err := scanAuthentication(s.db.QueryRowContext(ctx,
		s.q(`SELECT `+authColumns+` FROM authentications WHERE id = ? AND merchant_id = ?`), id, merchantID))
	if err != nil {
		return issuer.Authentication{}, fmt.Errorf("store: authentication %s of merchant %d: %w", id, merchantID, err)
	}
	return a, nil
}

// ErrResendLimit: the authentication has had all its resends.
var ErrResendLimit = errors.New("resend limit reached")

// Challenge is what a start or a resend records about the new code.
type Challenge struct {
	Method issuer.Method
	// Creds are the public ids of the credentials offered.
	Creds []string
	// AVHash is the SHA-256 of the authentication value sealed with it.
	AVHash []byte
	// Secret is the vault-sealed {code, av} for email/SMS; nil otherwise.
	Secret []byte
	// Sent: a code is handed to mail/SMS now, so last_sent_at = now and the
	// resend cooldown counts from it. False keeps last_sent_at as it is
	// (a reload re-minting the same code, or a method with nothing to send).
	Sent bool
	// Send, when set, reserves the code's send against the destination's
	// cap in the same transaction: over the cap nothing is recorded and
	// the call fails with ErrSendCap, so a refused send never supersedes
	// the code the cardholder has.
	Send *SendCap
	// Decision, when set, is the authentication's risk decision (a
	// challenge), recorded in the same transaction as its first challenge
	// (see RecordDecision): one commit for a first start, and a decision
	// recorded exactly when its challenge is.
	Decision *Decision
}

// credsJSON is how Creds are stored; never null, so SQL can use json_each.
func credsJSON(creds []string) (string, error) {
	if creds == nil {
		creds = []string{}
	}
	b, err := json.Marshal(creds)
	return string(b), err
}

// StartChallenge takes the next generation for the challenge ch and records
// it. It fails with ErrConflict when the authentication is final. Calling
// it again (a reload whose challenge cannot be shown again) takes yet
// another generation, so the earlier token is superseded.
//
// The authentication's first challenge takes the card's next challenge
// seq and, in the same transaction, ends every other open challenge of
// the card (N superseded): a card has one open challenge at a time. The
// edge enforces the same from the seq sealed in the challenge.
//
// When ch.Sent, LastSentAt is set now, before the code is sent, so that the
// cooldown check and the reservation are one statement; RecordDelivery
// clears it if the send fails. ch.Send and ch.Decision are recorded in the
// same transaction (ErrSendCap: over the cap, nothing recorded).
func (s *Store) StartChallenge(ctx context.Context, id string, ch Challenge, now time.Time) (issuer.Authentication, error) {
	return s.StartChallengeAfter(ctx, id, -1, ch, now)
}

// startedSet sets the columns a new challenge generation records.
const startedSet = `gen = gen + 1, method = ?, creds = ?, av_hash = ?, secret_enc = ?,
	started_at = COALESCE(started_at, ?), gen_at = ?,
	last_sent_at = CASE WHEN ? THEN ? ELSE last_sent_at END, updated_at = ?,
	card_seq = COALESCE(?, card_seq)`

// StartChallengeAfter is StartChallenge only while gen (the generation the
// caller read, 0 before any) is still the newest: of starts racing from the
// same state (two tabs, a script), one takes the next generation and the
// others get ErrSuperseded, so concurrent starts never issue several
// challenges. gen -1 takes the next one whatever.
func (s *Store) StartChallengeAfter(ctx context.Context, id string, gen int, ch Challenge, now time.Time) (issuer.Authentication, error) {
	creds, err := credsJSON(ch.Creds)
	if err != nil {
		return issuer.Authentication{}, fmt.Errorf("store: start %s: %w", id, err)
	}
	if d := ch.Decision; d != nil && d.Status != contract.StatusChallenge {
		return issuer.Authentication{}, fmt.Errorf("store: start %s: a %s decision has no challenge", id, d.Decision)
	}
	var a issuer.Authentication
	err = s.tx(ctx, func(tx *sql.Tx) error {
		seq, err := s.nextCardSeq(ctx, tx, id)
		if err != nil {
			return err
		}
		// The transaction's audit entries, written by one statement at
		// its end, in the order of the changes they describe.
		var trail []auditRow
		started := []any{ch.Method, creds, ch.AVHash, ch.Secret, ms(now), ms(now), ch.Sent, ms(now), ms(now), seq}
		if d := ch.Decision; d != nil {
			// The first start: the decision and the challenge are one
			// UPDATE of the row (one row version, one index update), on
			// an authentication still undecided.
			a, err = scanAuthentication(tx.QueryRowContext(ctx, s.q(`UPDATE authentications SET `+decidedSet+`, `+startedSet+`
				WHERE id = ? AND status = 'C' AND decision = '' AND (? < 0 OR gen = ?)
				RETURNING `+authColumns), slices.Concat(d.setArgs(), started, []any{id, gen, gen})...))
			if errors.Is(err, ErrNotFound) {
				return s.whyNot(ctx, tx, id, now, guard{gen: gen, undecided: true, maxResends: -1})
			}
			trail = append(trail, auditRow{d.At, "issuer", "decide", id, d.auditDetail()})
		} else {
			a, err = scanAuthentication(tx.QueryRowContext(ctx, s.q(`UPDATE authentications SET `+startedSet+`
				WHERE id = ? AND status = 'C' AND (? < 0 OR gen = ?)
				RETURNING `+authColumns), slices.Concat(started, []any{id, gen, gen})...))
			if errors.Is(err, ErrNotFound) {
				return s.whyNot(ctx, tx, id, now, guard{gen: gen, maxResends: -1})
			}
		}
		if err != nil {
			return err
		}
		if ch.Send != nil {
			if err := s.reserveSend(ctx, tx, *ch.Send, id, now); err != nil {
				return err
			}
		}
		if seq.Valid {
			ended, err := s.supersede(ctx, tx, a, now)
			if err != nil {
				return err
			}
			trail = append(trail, ended...)
		}
		trail = append(trail, auditRow{now, "edge", "start", id, map[string]any{
			"gen": a.Gen, "method": ch.Method, "creds": a.Creds, "sent": ch.Sent, "card_seq": a.CardSeq}})
		return s.auditAll(ctx, tx, trail...)
	})
	if err != nil {
		return issuer.Authentication{}, fmt.Errorf("store: start %s: %w", id, err)
	}
	return a, nil
}

// supersedeSQL ends the card's other open challenges; it reads them from
// authentications_card_open (migration 18), the card's open challenges
// only (TestHotQueriesUseTheirIndexes).
const supersedeSQL = `UPDATE authentications SET status = 'N', reason = ?, finished_at = ?, updated_at = ?,
		secret_enc = NULL
	WHERE cardholder_id = ? AND status = 'C' AND gen > 0 AND id <> ?
	RETURNING id`

// nextCardSeq gives authentication id's first challenge the card's next
// seq: the seq, or NULL when id already has one (a later generation) or
// no card. It runs before the challenge's UPDATE, which records the seq in
// the same statement as the rest (one row version of the authentication,
// not two); that UPDATE's checks failing rolls the seq back with it.
func (s *Store) nextCardSeq(ctx context.Context, tx *sql.Tx, id string) (sql.NullInt64, error) {
	var seq sql.NullInt64
	err := tx.QueryRowContext(ctx, s.q(`UPDATE cardholders SET challenge_seq = challenge_seq + 1
		WHERE id = (SELECT cardholder_id FROM authentications WHERE id = ? AND card_seq = 0 AND status = 'C')
		RETURNING challenge_seq`), id).Scan(&seq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return seq, fmt.Errorf("card seq: %w", err)
	}
	return seq, nil
}

// supersede ends every other open challenge of a's card as N superseded,
// when a's first challenge took the card's seq. It returns their audit
// entries, for the caller to write with its own.
func (s *Store) supersede(ctx context.Context, tx *sql.Tx, a issuer.Authentication, now time.Time) ([]auditRow, error) {
	rows, err := tx.QueryContext(ctx, s.q(supersedeSQL), contract.ReasonSuperseded, ms(now), ms(now), a.CardholderID, a.ID)
	if err != nil {
		return nil, fmt.Errorf("supersede: %w", err)
	}
	defer rows.Close()
	var ended []auditRow
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("supersede: %w", err)
		}
		ended = append(ended, auditRow{now, "issuer", "superseded", id, map[string]any{"by": a.ID, "card_seq": a.CardSeq}})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("supersede: %w", err)
	}
	return ended, nil
}

// StartLimitError: the authentication was started too often; RetryAt says
// when the next start is allowed.
type StartLimitError struct{ RetryAt time.Time }

func (e *StartLimitError) Error() string {
	return "start limit reached; next at " + e.RetryAt.UTC().Format(time.RFC3339)
}

// Counted is what CountStart read from the authentication it counted a
// start of, in the same statement: what the start goes on with, so that
// it reads the row no second time.
type Counted struct {
	Authentication issuer.Authentication
	// PreparedSignals are those RecordPreparedSignals kept ("" for none).
	PreparedSignals string
}

// CountStart counts one start (a page load or reload of the challenge) of
// authentication id against its rate: burst at once, then one more per
// refill (GCRA, one guarded statement: start_tat is when the bucket would
// be empty again). Past it, a *StartLimitError says when to come back.
// A counted start gets the authentication as the count left it, final or
// not (the caller decides what a final one answers).
func (s *Store) CountStart(ctx context.Context, id string, now time.Time, burst int, refill time.Duration) (Counted, error) {
	tolerance := int64(burst-1) * refill.Milliseconds()
	var c Counted
	var err error
	c.Authentication, err = scanAuthentication(s.db.QueryRowContext(ctx, s.q(`UPDATE authentications
		SET start_tat = CASE WHEN start_tat > ? THEN start_tat ELSE ? END + ?
		WHERE id = ? AND start_tat <= ?
		RETURNING `+authColumns+`, prepared_signals`), ms(now), ms(now), refill.Milliseconds(), id, ms(now)+tolerance),
		&c.PreparedSignals)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Counted{}, fmt.Errorf("store: count start of %s: %w", id, err)
	}
	var tat int64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT start_tat FROM authentications WHERE id = ?`), id).Scan(&tat); err != nil {
		if isNoRows(err) {
			return Counted{}, fmt.Errorf("store: count start of %s: %w", id, ErrNotFound)
		}
		return Counted{}, fmt.Errorf("store: count start of %s: %w", id, err)
	}
	return Counted{}, fmt.Errorf("store: count start of %s: %w", id, &StartLimitError{RetryAt: fromMS(tat - tolerance)})
}

// Resend takes generation gen+1 for a new code, only if gen is the newest
// generation, the authentication is not final, fewer than maxResends
// resends were done and the newest code was sent at least cooldown ago.
// Of concurrent resends of the same gen exactly one succeeds; the others
// get ErrConflict. A resend within the cooldown gets a *CooldownError, one
// past the limit ErrResendLimit, one over ch.Send's cap ErrSendCap (the
// send is reserved only for a resend that passed the others, so a refused
// one never uses up the day's sends). ch.Method "" keeps the method;
// ch.Decision is not for a resend.
func (s *Store) Resend(ctx context.Context, id string, gen int, ch Challenge, now time.Time, cooldown time.Duration, maxResends int) (issuer.Authentication, error) {
	if gen < 1 {
		return issuer.Authentication{}, fmt.Errorf("store: resend %s gen %d: not started: %w", id, gen, ErrSuperseded)
	}
	creds, err := credsJSON(ch.Creds)
	if err != nil {
		return issuer.Authentication{}, fmt.Errorf("store: resend %s: %w", id, err)
	}
	var a issuer.Authentication
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = scanAuthentication(tx.QueryRowContext(ctx, s.q(`UPDATE authentications SET
				gen = gen + 1, resends = resends + 1, method = COALESCE(NULLIF(?, ''), method),
				creds = ?, av_hash = ?, secret_enc = ?, gen_at = ?,
				last_sent_at = CASE WHEN ? THEN ? ELSE last_sent_at END, updated_at = ?
			WHERE id = ? AND status = 'C' AND gen = ? AND resends < ?
				AND (last_sent_at IS NULL OR last_sent_at <= ?)
			RETURNING `+authColumns), ch.Method, creds, ch.AVHash, ch.Secret, ms(now), ch.Sent, ms(now), ms(now),
			id, gen, maxResends, ms(now.Add(-cooldown))))
		if errors.Is(err, ErrNotFound) {
			return s.whyNot(ctx, tx, id, now, guard{gen: gen, maxResends: maxResends, cooldown: cooldown})
		}
		if err != nil {
			return err
		}
		if ch.Send != nil {
			if err := s.reserveSend(ctx, tx, *ch.Send, id, now); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, now, "edge", "resend", id, map[string]any{
			"gen": a.Gen, "resends": a.Resends, "creds": a.Creds, "sent": ch.Sent})
	})
	if err != nil {
		return issuer.Authentication{}, fmt.Errorf("store: resend %s gen %d: %w", id, gen, err)
	}
	return a, nil
}

// guard is what a guarded update of a challenge asked of the row, for
// whyNot: gen the generation the caller named (-1: any), undecided that
// no decision was recorded yet, maxResends the resend limit (-1: none)
// and cooldown the wait after the last send.
type guard struct {
	gen        int
	undecided  bool
	maxResends int
	cooldown   time.Duration
}

// whyNot explains why a guarded update of a challenge matched no row:
// ErrNotFound, ErrFinal, ErrConflict (decided meanwhile, or changed
// concurrently), ErrSuperseded, ErrResendLimit or a CooldownError.
func (s *Store) whyNot(ctx context.Context, tx *sql.Tx, id string, now time.Time, g guard) error {
	var status, decision string
	var cur, resends int
	var sent sql.NullInt64
	err := tx.QueryRowContext(ctx, s.q(`SELECT status, decision, gen, resends, last_sent_at FROM authentications WHERE id = ?`), id).
		Scan(&status, &decision, &cur, &resends, &sent)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return err
	case status != contract.StatusChallenge:
		return fmt.Errorf("status %s: %w", status, ErrFinal)
	case g.undecided && decision != "":
		return fmt.Errorf("already decided %q: %w", decision, ErrConflict)
	case g.gen >= 0 && g.gen != cur:
		return fmt.Errorf("gen %d, newest %d: %w", g.gen, cur, ErrSuperseded)
	case g.maxResends >= 0 && resends >= g.maxResends:
		return fmt.Errorf("%d resends done: %w", resends, ErrResendLimit)
	case sent.Valid:
		if retry := fromMS(sent.Int64).Add(g.cooldown); now.Before(retry) {
			return &CooldownError{RetryAt: retry}
		}
	}
	return fmt.Errorf("authentication changed concurrently: %w", ErrConflict)
}

// RecordDelivery audits whether the code of generation gen reached the mail
// (or SMS) server. A failed send clears LastSentAt so the cardholder may
// resend at once (no code arrived, so there is nothing to cool down from),
// and the kept code, so that no reload ever shows a code nobody received.
//
// A delivered code changes nothing but the trail, so its entry is one
// autocommit statement (durable before it returns, as a transaction's
// commit is: the group sync covers both), not a transaction.
func (s *Store) RecordDelivery(ctx context.Context, id string, gen int, delivered bool, now time.Time) error {
	entry := auditRow{now, "issuer", "deliver", id, map[string]any{"gen": gen, "delivered": delivered}}
	var err error
	if delivered {
		err = s.auditAll(ctx, s.db, entry)
	} else {
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE authentications SET last_sent_at = NULL, secret_enc = NULL, updated_at = ?
				WHERE id = ? AND gen = ?`), ms(now), id, gen); err != nil {
				return err
			}
			return s.auditAll(ctx, tx, entry)
		})
	}
	if err != nil {
		return fmt.Errorf("store: record delivery %s gen %d: %w", id, gen, err)
	}
	return nil
}
