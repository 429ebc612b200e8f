package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one line of the audit trail: who did what to which
// authentication. Detail is a JSON object and never holds a code, a key, an
// address or a card number.
type AuditEntry struct {
	ID               int64
	At               time.Time
	Actor            string
	Action           string
	AuthenticationID string
	Detail           string
}

// audit appends an entry inside tx, so the entry exists exactly when the
// change it describes does.
func (s *Store) audit(ctx context.Context, tx *sql.Tx, at time.Time, actor, action, authID string, detail map[string]any) error {
	return s.auditAll(ctx, tx, auditRow{at, actor, action, authID, detail})
}

// execer is what runs an audit insert: a transaction, or the database
// for an entry that is a write of its own (one autocommit statement).
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// auditRow is one entry for auditAll.
type auditRow struct {
	at                    time.Time
	actor, action, authID string
	detail                map[string]any
}

// auditValues is the most entries one audit insert carries: a start's
// are two or three, and the statements stay a handful of texts in the
// connections' statement caches.
const auditValues = 8

// auditAll appends the entries in order with one INSERT per auditValues of
// them: the same rows, in the same order, as one audit call each, for
// fewer statements.
func (s *Store) auditAll(ctx context.Context, ex execer, rows ...auditRow) error {
	for len(rows) > 0 {
		n := min(len(rows), auditValues)
		q := `INSERT INTO audit (at, actor, action, authentication_id, detail) VALUES (?, ?, ?, ?, ?)` +
			strings.Repeat(`, (?, ?, ?, ?, ?)`, n-1)
		args := make([]any, 0, 5*n)
		for _, r := range rows[:n] {
			b, err := json.Marshal(r.detail)
			if err != nil {
				return fmt.Errorf("audit %s: %w", r.action, err)
			}
			var auth sql.NullString // "" for entries about no authentication (credentials, tokens)
			if r.authID != "" {
				auth = sql.NullString{String: r.authID, Valid: true}
			}
			args = append(args, ms(r.at), r.actor, r.action, auth, string(b))
		}
		if _, err := ex.ExecContext(ctx, s.q(q), args...); err != nil {
			return fmt.Errorf("audit %s: %w", rows[0].action, err)
		}
		rows = rows[n:]
	}
	return nil
}

// AuditTrail returns the entries of one authentication, oldest first.
func (s *Store) AuditTrail(ctx context.Context, authID string) ([]AuditEntry, error) {
	out, err := s.auditQuery(ctx, `authentication_id = ?`, authID)
	if err != nil {
		return nil, fmt.Errorf("store: audit trail %s: %w", authID, err)
	}
	return out, nil
}

// auditQuery returns the audit entries matching where, oldest first.
func (s *Store) auditQuery(ctx context.Context, where string, args ...any) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, at, actor, action, COALESCE(authentication_id, ''), detail
		FROM audit WHERE `+where+` ORDER BY id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.AuthenticationID, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
