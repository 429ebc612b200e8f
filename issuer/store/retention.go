package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
)

// Retention is how long the issuer keeps what grows with every purchase.
// A zero duration keeps its rows for ever (the rule is off). Prune applies
// it; DefaultRetention is what `issuer prune` and `issuer serve` use unless
// told otherwise.
type Retention struct {
	// Audit: audit entries older than this.
	Audit time.Duration
	// Finished: authentications that ended longer ago than this, with
	// their results, audit entries, sends and EMV transaction. One a
	// cardholder reported as fraud is kept (fraud_reports, the deny list
	// and the fraud_reported rule read it), and so is one whose EMV RReq
	// is still owed to the Directory Server.
	Finished time.Duration
	// Abandoned: authentications still in progress (status C) with no
	// change for this long are ended as N timed_out and their sealed code
	// is cleared; they are not deleted (Finished deletes them later).
	// EMV ones are ExpireEMV's (their timers, their RReq).
	Abandoned time.Duration
	// Sends: entries of the per-destination send log older than this.
	Sends time.Duration
	// Outbox: messages sent or failed longer ago than this.
	Outbox time.Duration
	// SessionIdle and SessionMax: portal sessions idle for longer than
	// SessionIdle or signed in longer ago than SessionMax, the portal's own
	// timeouts (the portal refuses such a session already).
	SessionIdle, SessionMax time.Duration
	// PortalCodes: portal codes are deleted once expired (a used one
	// expires like any other; nothing reads a code after its expiry).
	PortalCodes bool
	// Attempts: the portal's per-address sign-in attempts older than this
	// (its rolling window).
	Attempts time.Duration
	// Batch is the most rows one statement changes (0: DefaultPruneBatch).
	// On SQLite each statement is a write transaction of its own, so a
	// prune holds the write lock for one batch at a time and requests wait
	// at most that long behind it.
	Batch int
}

// DefaultPruneBatch is Retention.Batch's default: on SQLite a batch of
// audit rows is deleted in a few milliseconds (see the benchmark in
// retention_test.go), short beside the 5 s busy timeout and the latency a
// request tolerates.
const DefaultPruneBatch = 1000

// The default retention, and why.
const (
	// DefaultAudit keeps the audit trail 400 days: a cardholder may
	// dispute a purchase for up to a year (card schemes' chargeback
	// windows run 120 to 540 days from the transaction; a year covers the
	// common ones), plus a month of margin for the dispute's handling.
	DefaultAudit = 400 * 24 * time.Hour
	// DefaultFinished keeps ended authentications as long as their audit
	// trail, for the same disputes: the authentication value and status a
	// dispute asks about are in the row.
	DefaultFinished = DefaultAudit
	// DefaultAbandoned ends an authentication left in progress a day
	// after its last change: its code and challenge token lived
	// limits.CodeLifetime (10 minutes), so nothing can finish it, and a
	// day leaves room for an outcome the edge still has queued (an issuer
	// down for hours) to arrive first.
	DefaultAbandoned = 24 * time.Hour
	// DefaultSends keeps the send log twice its window
	// (limits.SendWindow): the cap reads one window back, the second is
	// for an operator looking at yesterday's complaint.
	DefaultSends = 2 * limits.SendWindow
	// DefaultOutbox keeps sent and failed messages 30 days: long enough
	// for an operator to see and retry (issuer outbox retry) a failure
	// noticed late, short enough that masked destinations do not pile up.
	DefaultOutbox = 30 * 24 * time.Hour
)

// DefaultRetention returns the defaults above. The portal's durations are
// the portal's (issuer/portal), which the store does not import: the
// caller sets SessionIdle, SessionMax and Attempts.
func DefaultRetention() Retention {
	return Retention{Audit: DefaultAudit, Finished: DefaultFinished, Abandoned: DefaultAbandoned,
		Sends: DefaultSends, Outbox: DefaultOutbox, PortalCodes: true}
}

// Pruned is what one rule removed (or, in a dry run, would remove).
type Pruned struct {
	// Rule names the rule: the table, and what of it when a table has
	// two ("authentications:abandoned", ended not deleted).
	Rule string
	Rows int64
}

// pruneRule deletes the rows of table that where selects, in batches. A
// rule with end set changes them instead (end is a Store method run per
// batch); a rule with cascade deletes the rows referencing each batch
// first.
type pruneRule struct {
	name, table, key, where string
	args                    []any
	// run, when set, does one batch itself and returns the rows it
	// changed; it is given the batch size.
	run func(ctx context.Context, batch int) (int64, error)
}

// Prune applies r at now: each rule in turn deletes (or ends) its rows in
// batches of r.Batch, one statement per table per batch, until a batch
// finds fewer than r.Batch. With dryRun it only counts them, each rule on
// its own: a row two rules reach (the audit entry of a finished
// authentication past both windows) is counted by both, where the prune
// deletes it once. It returns
// every rule's count, in the order run, even when a rule fails (then with
// the counts so far and the error).
//
// Order matters: abandoned authentications are ended (finished_at = now)
// before finished ones are deleted, so a prune never ends and deletes one
// in the same run.
func (s *Store) Prune(ctx context.Context, r Retention, now time.Time, dryRun bool) ([]Pruned, error) {
	batch := r.Batch
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	var out []Pruned
	for _, rule := range s.pruneRules(r, now) {
		var n int64
		var err error
		if dryRun {
			err = s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM `+rule.table+` WHERE `+rule.where), rule.args...).Scan(&n)
		} else {
			n, err = s.pruneAll(ctx, rule, batch)
		}
		out = append(out, Pruned{Rule: rule.name, Rows: n})
		if err != nil {
			return out, fmt.Errorf("store: prune %s: %w", rule.name, err)
		}
	}
	return out, nil
}

// pruneAll runs rule's batches until one comes back short.
func (s *Store) pruneAll(ctx context.Context, rule pruneRule, batch int) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int64
		var err error
		if rule.run != nil {
			n, err = rule.run(ctx, batch)
		} else {
			q := `DELETE FROM ` + rule.table + ` WHERE ` + rule.key + ` IN (SELECT ` + rule.key + ` FROM ` + rule.table +
				` WHERE ` + rule.where + ` LIMIT ?)`
			var res sql.Result
			res, err = s.db.ExecContext(ctx, s.q(q), append(rule.args[:len(rule.args):len(rule.args)], batch)...)
			if err == nil {
				n, err = res.RowsAffected()
			}
		}
		total += n
		if err != nil || n < int64(batch) {
			return total, err
		}
	}
}

// abandonedWhere selects the open authentications Retention.Abandoned
// ends: no change since ?, and not an EMV one (ExpireEMV's).
const abandonedWhere = `status = 'C' AND updated_at < ?
	AND NOT EXISTS (SELECT 1 FROM emv_transactions e WHERE e.authentication_id = authentications.id)`

// finishedWhere selects the ended authentications Retention.Finished
// deletes: ended before ?, not reported as fraud, no RReq owed.
const finishedWhere = `status <> 'C' AND finished_at < ?
	AND NOT EXISTS (SELECT 1 FROM fraud_reports f WHERE f.authentication_id = authentications.id)
	AND NOT EXISTS (SELECT 1 FROM emv_transactions e WHERE e.authentication_id = authentications.id AND e.rreq_due_at IS NOT NULL)`

// finishedDependents are the tables whose rows reference an
// authentication without ON DELETE CASCADE, deleted with it (fraud_reports
// cascades, and finishedWhere keeps those anyway).
var finishedDependents = []string{"results", "audit", "sends", "emv_transactions"}

func (s *Store) pruneRules(r Retention, now time.Time) []pruneRule {
	before := func(d time.Duration) int64 { return ms(now.Add(-d)) }
	var rules []pruneRule
	if r.Abandoned > 0 {
		cut := before(r.Abandoned)
		rules = append(rules, pruneRule{name: "authentications:abandoned", table: "authentications",
			where: abandonedWhere, args: []any{cut},
			run: func(ctx context.Context, batch int) (int64, error) { return s.endAbandoned(ctx, cut, now, batch) }})
	}
	if r.Finished > 0 {
		cut := before(r.Finished)
		rules = append(rules, pruneRule{name: "authentications:finished", table: "authentications",
			where: finishedWhere, args: []any{cut},
			run: func(ctx context.Context, batch int) (int64, error) { return s.deleteFinished(ctx, cut, batch) }})
	}
	if r.Audit > 0 {
		rules = append(rules, pruneRule{name: "audit", table: "audit", key: "id", where: `at < ?`, args: []any{before(r.Audit)}})
	}
	if r.Sends > 0 {
		rules = append(rules, pruneRule{name: "sends", table: "sends", key: "id", where: `at < ?`, args: []any{before(r.Sends)}})
	}
	if r.Outbox > 0 {
		rules = append(rules, pruneRule{name: "outbox", table: "outbox", key: "id",
			where: `state <> 'pending' AND updated_at < ?`, args: []any{before(r.Outbox)}})
	}
	if r.SessionIdle > 0 && r.SessionMax > 0 {
		rules = append(rules, pruneRule{name: "portal_sessions", table: "portal_sessions", key: "id_hash",
			where: `seen_at < ? OR created_at < ?`, args: []any{before(r.SessionIdle), before(r.SessionMax)}})
	}
	if r.PortalCodes {
		rules = append(rules, pruneRule{name: "portal_codes", table: "portal_codes", key: "id_hash",
			where: `expires_at < ?`, args: []any{ms(now)}})
	}
	if r.Attempts > 0 {
		rules = append(rules, pruneRule{name: "portal_ip_attempts", table: "portal_ip_attempts", key: s.d.rowid(),
			where: `at < ?`, args: []any{before(r.Attempts)}})
	}
	return rules
}

// rowid is the column that names a row of a table with no key of its own.
func (d dialect) rowid() string {
	if d.name == "postgres" {
		return "ctid"
	}
	return "rowid"
}

// endAbandoned ends up to batch abandoned authentications unchanged since
// before cut as N timed_out, clears their sealed code, and audits each, in
// one transaction.
func (s *Store) endAbandoned(ctx context.Context, cut int64, now time.Time, batch int) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		ids, err := queryIDs(ctx, tx, s.q(`UPDATE authentications SET status = 'N', reason = ?, finished_at = ?, updated_at = ?,
				secret_enc = NULL
			WHERE id IN (SELECT id FROM authentications WHERE `+abandonedWhere+` LIMIT ?) AND status = 'C'
			RETURNING id`), contract.ReasonTimedOut, ms(now), ms(now), cut, batch)
		if err != nil {
			return err
		}
		n = int64(len(ids))
		if len(ids) == 0 {
			return nil
		}
		// One multi-row INSERT: VALUES takes its types from the columns
		// on both engines (an INSERT ... SELECT of parameters does not on
		// PostgreSQL).
		detail := `{"reason":"` + contract.ReasonTimedOut + `"}`
		rows := make([]string, len(ids))
		args := make([]any, 0, 3*len(ids))
		for i, id := range ids {
			rows[i] = `(?, 'issuer', 'expire', ?, ?)`
			args = append(args, ms(now), id, detail)
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO audit (at, actor, action, authentication_id, detail) VALUES `+
			strings.Join(rows, ", ")), args...)
		return err
	})
	return n, err
}

// deleteFinished deletes up to batch finished authentications ended
// before cut, and the rows that reference them, in one transaction.
func (s *Store) deleteFinished(ctx context.Context, cut int64, batch int) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		ids, err := queryIDs(ctx, tx, s.q(`SELECT id FROM authentications WHERE `+finishedWhere+` LIMIT ?`), cut, batch)
		if err != nil {
			return err
		}
		n = int64(len(ids))
		if len(ids) == 0 {
			return nil
		}
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		in := `(` + placeholders(len(ids)) + `)`
		for _, t := range finishedDependents {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+t+` WHERE authentication_id IN `+in), args...); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM authentications WHERE id IN `+in), args...)
		return err
	})
	return n, err
}

// queryIDs runs q and returns the text ids it returns.
func queryIDs(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// placeholders returns "?, ?, ..." with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
