package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/honnin/honnin/issuer"
)

// MerchantByName returns the merchant with the given account name.
func (s *Store) MerchantByName(ctx context.Context, name string) (issuer.Merchant, error) {
	m, err := s.merchant(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE name = ?`, name)
	if err != nil {
		return issuer.Merchant{}, fmt.Errorf("store: merchant %q: %w", name, err)
	}
	return m, nil
}

// Merchants returns every merchant with its origins, by name.
func (s *Store) Merchants(ctx context.Context) ([]issuer.Merchant, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM merchants ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: merchants: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: merchants: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: merchants: %w", err)
	}
	out := make([]issuer.Merchant, 0, len(ids))
	for _, id := range ids {
		m, err := s.Merchant(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// ChangeOrigins adds and removes origins of merchant id in one transaction
// and returns the merchant as it is then. Removing an origin the merchant
// does not have is ErrNotFound, so a typo is reported rather than ignored;
// adding one it has changes nothing.
func (s *Store) ChangeOrigins(ctx context.Context, id int64, add, remove []string) (issuer.Merchant, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.addOrigins(ctx, tx, id, add); err != nil {
			return err
		}
		for _, o := range remove {
			if err := changedRow(tx.ExecContext(ctx, s.q(`DELETE FROM merchant_origins WHERE merchant_id = ? AND origin = ?`), id, o)); err != nil {
				return fmt.Errorf("origin %s: %w", o, err)
			}
		}
		return nil
	})
	if err != nil {
		return issuer.Merchant{}, fmt.Errorf("store: change origins of merchant %d: %w", id, err)
	}
	return s.Merchant(ctx, id)
}

// NameChange is what ChangeNames changes; its zero value changes nothing.
type NameChange struct {
	// DisplayName replaces the merchant's display name unless it is "".
	DisplayName string
	// OriginNames set the display name of each origin given; "" clears it,
	// so the origin shows the merchant's display name again.
	OriginNames map[string]string
	// Allow and Disallow add and remove descriptors: names the merchant may
	// send per order.
	Allow, Disallow []string
}

// ChangeNames makes the changes c to the names of merchant id in one
// transaction and returns the merchant as it is then. Naming an origin the
// merchant does not have, or disallowing a descriptor it does not have, is
// ErrNotFound and changes nothing, so a typo is reported rather than
// ignored; allowing one it has changes nothing. The caller checks the names
// themselves (length, characters).
func (s *Store) ChangeNames(ctx context.Context, id int64, c NameChange) (issuer.Merchant, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		display := sql.NullString{String: c.DisplayName, Valid: c.DisplayName != ""}
		if err := changedRow(tx.ExecContext(ctx, s.q(`UPDATE merchants SET display_name = COALESCE(?, display_name) WHERE id = ?`),
			display, id)); err != nil {
			return err
		}
		for o, n := range c.OriginNames {
			if err := changedRow(tx.ExecContext(ctx, s.q(`UPDATE merchant_origins SET display_name = ?
				WHERE merchant_id = ? AND origin = ?`), n, id, o)); err != nil {
				return fmt.Errorf("origin %s: %w", o, err)
			}
		}
		for _, d := range c.Allow {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO merchant_descriptors (merchant_id, descriptor)
				VALUES (?, ?) ON CONFLICT DO NOTHING`), id, d); err != nil {
				return fmt.Errorf("descriptor %q: %w", d, err)
			}
		}
		for _, d := range c.Disallow {
			if err := changedRow(tx.ExecContext(ctx, s.q(`DELETE FROM merchant_descriptors
				WHERE merchant_id = ? AND descriptor = ?`), id, d)); err != nil {
				return fmt.Errorf("descriptor %q: %w", d, err)
			}
		}
		return nil
	})
	if err != nil {
		return issuer.Merchant{}, fmt.Errorf("store: change names of merchant %d: %w", id, err)
	}
	return s.Merchant(ctx, id)
}
