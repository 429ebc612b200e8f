package store

import (
	"context"
	"fmt"

	"github.com/honnin/honnin/issuer"
)

// CardHistory returns up to limit authentications of a card, newest first,
// skipping the first offset, and whether there are more after them: what
// the portal's history page shows so a cardholder can spot a purchase
// they did not make.
func (s *Store) CardHistory(ctx context.Context, cardholderID int64, offset, limit int) ([]issuer.Authentication, bool, error) {
	if offset < 0 || limit < 1 {
		return nil, false, fmt.Errorf("store: card history: offset %d, limit %d", offset, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+authColumns+` FROM authentications
		WHERE cardholder_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`), cardholderID, limit+1, offset)
	if err != nil {
		return nil, false, fmt.Errorf("store: card history of %d: %w", cardholderID, err)
	}
	defer rows.Close()
	var out []issuer.Authentication
	for rows.Next() {
		a, err := scanAuthentication(rows)
		if err != nil {
			return nil, false, fmt.Errorf("store: card history of %d: %w", cardholderID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("store: card history of %d: %w", cardholderID, err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}
