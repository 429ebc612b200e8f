package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	var auth sql.NullString // "" for entries about no authentication (credentials, tokens)
	if authID != "" {
		auth = sql.NullString{String: authID, Valid: true}
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO audit (at, actor, action, authentication_id, detail) VALUES (?, ?, ?, ?, ?)`),
		ms(at), actor, action, auth, string(b))
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
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
