package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/issuerclient"
)

// batch is how many rows one claim takes, and at most how many outcomes
// one call to the issuer carries (contract.MaxOutcomeBatch): at the verify
// rates of issue 17 one row per call fell behind by 95 %.
const batch = contract.MaxOutcomeBatch

// claimSQL leases due rows to this worker in one statement: their due moves
// to the lease's end, so a second worker (another process on the same
// database) skips them, and a worker that crashes mid-delivery loses nothing:
// the rows come due again when the lease ends. The outer due <= ?2 is for
// edges sharing a PostgreSQL ledger: two claims that picked the same rows
// (READ COMMITTED) take turns on each row's lock, and the second re-checks
// the row as the first left it, leased, and skips it (on SQLite, one
// writer at a time, it is always true).
const claimSQL = `UPDATE edge_report SET due = ?1
WHERE jti IN (SELECT jti FROM edge_report WHERE dead = 0 AND due <= ?2 ORDER BY due LIMIT ?3) AND due <= ?2
RETURNING jti, body, tries`

type claimed struct {
	jti   string
	body  string
	tries int
}

// Deliver posts every outcome that is due now, a claim of up to batch rows
// per call to the issuer (contract.ResultsBatchPath), and returns how many
// the issuer accepted. Failures are rescheduled or dead-lettered, each
// outcome on its own verdict, not returned; the error is for the database
// only. Run calls it in a loop; an edge without a long-lived process
// (Workers) calls it on its cron trigger.
func (r *Reporter) Deliver(ctx context.Context) (delivered int, err error) {
	for ctx.Err() == nil {
		rows, err := r.claim(ctx)
		if err != nil {
			return delivered, err
		}
		claimed := len(rows)
		for len(rows) > 0 {
			if ctx.Err() != nil {
				r.release(ctx, rows)
				return delivered, nil
			}
			n := fits(rows)
			delivered += r.deliverBatch(ctx, rows[:n])
			rows = rows[n:]
		}
		if claimed < batch {
			break
		}
	}
	return delivered, nil
}

// fits is how many of rows, at least one, one call carries within
// contract.MaxOutcomeBatchBody.
func fits(rows []claimed) int {
	size := len(`{"outcomes":[]}`)
	for i, c := range rows {
		size += len(c.body) + 1
		if i > 0 && size > contract.MaxOutcomeBatchBody {
			return i
		}
	}
	return len(rows)
}

func (r *Reporter) claim(ctx context.Context) ([]claimed, error) {
	now := r.now()
	rows, err := r.db.QueryContext(ctx, claimSQL, now.Add(r.lease).UnixMilli(), now.UnixMilli(), batch)
	if err != nil {
		return nil, fmt.Errorf("report: claim: %w", err)
	}
	defer rows.Close()
	var out []claimed
	for rows.Next() {
		var c claimed
		if err := rows.Scan(&c.jti, &c.body, &c.tries); err != nil {
			return nil, fmt.Errorf("report: claim: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report: claim: %w", err)
	}
	return out, nil
}

// release hands claimed rows back at once, so a restart does not wait for
// their lease to end. It runs on shutdown, so it must not use the cancelled
// ctx.
func (r *Reporter) release(ctx context.Context, rows []claimed) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	for _, c := range rows {
		if _, err := r.db.ExecContext(ctx, `UPDATE edge_report SET due = ?2 WHERE jti = ?1`, c.jti, r.now().UnixMilli()); err != nil {
			r.log.Warn("report: release", "jti", c.jti, "err", err)
		}
	}
}

// verdict is what one POST says about the outcome.
type verdict int

const (
	delivered verdict = iota
	retry
	refused // dead-letter
)

func (r *Reporter) deliverOne(ctx context.Context, c claimed) bool {
	v, retryAfter, err := r.post(ctx, c)
	if ctx.Err() != nil && v != delivered {
		// Shutting down: the failure says nothing about the issuer.
		r.release(ctx, []claimed{c})
		return false
	}
	if v == delivered {
		if _, err := r.db.ExecContext(ctx, deleteSQL, c.jti); err != nil {
			// The issuer has it; the row comes back after the lease and is
			// delivered again, which the issuer ignores (same jti).
			r.log.Warn("report: delete delivered", "jti", c.jti, "err", err)
		}
		return true
	}
	r.settle(ctx, c, v, retryAfter, err)
	return false
}

// settle records a verdict other than delivered on c: set aside (refused)
// or rescheduled with backoff, at least retryAfter (retry).
func (r *Reporter) settle(ctx context.Context, c claimed, v verdict, retryAfter time.Duration, err error) {
	if ctx.Err() != nil {
		// The request's context ended mid-delivery (a hang-up): the row is
		// settled with a context of its own.
		ctx = context.WithoutCancel(ctx)
	}
	if v == refused {
		r.log.Error("report: issuer refused outcome for good; set aside", "jti", c.jti, "tries", c.tries+1, "err", err)
		if _, dbErr := r.db.ExecContext(ctx, `UPDATE edge_report SET dead = 1, tries = tries + 1, last_error = ?2 WHERE jti = ?1`, c.jti, err.Error()); dbErr != nil {
			r.log.Error("report: dead-letter", "jti", c.jti, "err", dbErr)
		}
		return
	}
	wait := max(r.backoff.delay(c.tries+1), min(retryAfter, r.backoff.max))
	r.log.Warn("report: delivery failed; will retry", "jti", c.jti, "tries", c.tries+1, "in", wait, "err", err)
	if _, dbErr := r.db.ExecContext(ctx, `UPDATE edge_report SET tries = tries + 1, due = ?2, last_error = ?3 WHERE jti = ?1`,
		c.jti, r.now().Add(wait).UnixMilli(), err.Error()); dbErr != nil {
		r.log.Error("report: reschedule", "jti", c.jti, "err", dbErr)
	}
}

// deliverBatch posts rows in one call and settles each on its own verdict:
// the delivered ones leave the queue in one statement, the refused are set
// aside, the rest rescheduled. A refusal of the whole call that a retry
// cannot change (an issuer without the batch endpoint: 404, 405; an
// envelope it cannot take: 400, 413, 422) sends the rows one at a time,
// so each gets its own verdict and a bad one is never set aside for its
// neighbours; any other failure (no answer, 401, 429, 5xx) reschedules
// every row. It returns how many the issuer accepted.
func (r *Reporter) deliverBatch(ctx context.Context, rows []claimed) int {
	bodies := make([]string, 0, len(rows))
	sendable := rows[:0:0]
	for _, c := range rows {
		if !json.Valid([]byte(c.body)) {
			// Not even the envelope could carry it (a row written by hand):
			// the issuer would refuse it for good.
			r.settle(ctx, c, refused, 0, errors.New("queued body is not JSON"))
			continue
		}
		bodies = append(bodies, c.body)
		sendable = append(sendable, c)
	}
	if len(sendable) == 0 {
		return 0
	}
	results, err := r.issuer.PostOutcomes(ctx, bodies)
	if err != nil {
		if ctx.Err() != nil {
			r.release(ctx, sendable) // shutting down
			return 0
		}
		var ie *issuerclient.Error
		if errors.As(err, &ie) && (ie.Status == http.StatusNotFound || ie.Status == http.StatusMethodNotAllowed || final(ie.Status)) {
			r.log.Warn("report: issuer refused the batch; delivering one at a time", "outcomes", len(sendable), "err", err)
			n := 0
			for i, c := range sendable {
				if ctx.Err() != nil {
					r.release(ctx, sendable[i:])
					break
				}
				if r.deliverOne(ctx, c) {
					n++
				}
			}
			return n
		}
		v, retryAfter := retry, time.Duration(0)
		if ie != nil {
			retryAfter = ie.RetryAfter
		}
		for _, c := range sendable {
			r.settle(ctx, c, v, retryAfter, err)
		}
		return 0
	}
	done := make([]string, 0, len(sendable))
	for i, c := range sendable {
		res := results[i]
		switch {
		case res.JTI != "" && res.JTI != c.jti:
			r.settle(ctx, c, retry, 0, fmt.Errorf("issuer's verdict %d names jti %q", i, res.JTI))
		case res.Status/100 == 2:
			done = append(done, c.jti)
		default:
			ie := &issuerclient.Error{Status: res.Status, Code: res.Error, Message: res.Message,
				RetryAfter: time.Duration(min(max(res.RetryAfter, 0), 86400)) * time.Second}
			v := retry
			if final(res.Status) {
				v = refused
			}
			r.settle(ctx, c, v, ie.RetryAfter, ie)
		}
	}
	r.deleteDelivered(ctx, done)
	return len(done)
}

// deleteDelivered removes the outcomes the issuer has, in statements of at
// most batch parameters (D1 binds at most 100).
func (r *Reporter) deleteDelivered(ctx context.Context, jtis []string) {
	ctx = context.WithoutCancel(ctx) // delivered: worth recording even on shutdown
	for len(jtis) > 0 {
		n := min(len(jtis), batch)
		args := make([]any, n)
		var q strings.Builder
		q.WriteString(`DELETE FROM edge_report WHERE jti IN (`)
		for i := range n {
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "?%d", i+1)
			args[i] = jtis[i]
		}
		q.WriteString(")")
		if _, err := r.db.ExecContext(ctx, q.String(), args...); err != nil {
			// The issuer has them; they come back after the lease and are
			// delivered again, which the issuer ignores (same jti).
			r.log.Warn("report: delete delivered", "outcomes", n, "err", err)
		}
		jtis = jtis[n:]
	}
}

// post sends one outcome. The error describes any verdict but delivered.
func (r *Reporter) post(ctx context.Context, c claimed) (verdict, time.Duration, error) {
	err := r.issuer.PostOutcome(ctx, c.body)
	if err == nil {
		return delivered, 0, nil
	}
	var ie *issuerclient.Error
	if !errors.As(err, &ie) {
		return retry, 0, err // no answer
	}
	if final(ie.Status) {
		return refused, 0, err
	}
	return retry, ie.RetryAfter, err
}

// final reports whether the issuer's refusal is one that no retry and no
// operator can change: the body is malformed or too large (400, 413, 422),
// or contradicts the outcome the issuer already has (409). Everything else
// is retried: 401 and 403 (a clock off, a key not rotated in yet), 404 (an
// edge pointed at the wrong issuer, or a database restored), 408, 429, 5xx.
func final(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// Row is one outcome in the queue, as the operator lists it.
type Row struct {
	JTI string
	// Sub and Status are read from the body.
	Sub, Status string
	Tries       int
	Due         time.Time
	Dead        bool
	LastError   string
	Created     time.Time
}

// List returns the queue in db, oldest first, at most limit rows (0: all).
func List(ctx context.Context, db *sql.DB, limit int) ([]Row, error) {
	if limit <= 0 {
		limit = math.MaxInt32 // not -1: PostgreSQL refuses a negative LIMIT
	}
	rows, err := db.QueryContext(ctx, `SELECT jti, COALESCE(json_extract(body, '$.sub'), ''),
		COALESCE(json_extract(body, '$.status'), ''), tries, due, dead, last_error, created
		FROM edge_report ORDER BY created, jti LIMIT ?1`, limit)
	if err != nil {
		return nil, fmt.Errorf("report: list: %w", err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var q Row
		var due, created int64
		var dead int
		if err := rows.Scan(&q.JTI, &q.Sub, &q.Status, &q.Tries, &due, &dead, &q.LastError, &created); err != nil {
			return nil, fmt.Errorf("report: list: %w", err)
		}
		q.Due, q.Created, q.Dead = time.UnixMilli(due), time.UnixMilli(created), dead != 0
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report: list: %w", err)
	}
	return out, nil
}

// Requeue makes the named outcomes in db (every one, set aside or
// waiting, when jtis is empty) due at now with a fresh backoff: after an
// operator fixed what the issuer refused them for. It returns how many it
// requeued.
func Requeue(ctx context.Context, db *sql.DB, at time.Time, jtis ...string) (int, error) {
	now := at.UnixMilli()
	var n int64
	if len(jtis) == 0 {
		res, err := db.ExecContext(ctx, `UPDATE edge_report SET dead = 0, tries = 0, due = ?1`, now)
		if err != nil {
			return 0, fmt.Errorf("report: requeue: %w", err)
		}
		n, _ = res.RowsAffected()
		return int(n), nil
	}
	for _, j := range jtis {
		res, err := db.ExecContext(ctx, `UPDATE edge_report SET dead = 0, tries = 0, due = ?2 WHERE jti = ?1`, j, now)
		if err != nil {
			return int(n), fmt.Errorf("report: requeue %s: %w", j, err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return int(n), nil
}
