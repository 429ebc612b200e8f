package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/honnin/honnin/issuer"
)

// CreateMerchant adds a merchant, with m.Name as its display name when
// m.DisplayName is empty, and m.OriginNames for its origins. A name or key
// hash already in use is ErrConflict.
func (s *Store) CreateMerchant(ctx context.Context, m issuer.Merchant) (issuer.Merchant, error) {
	if m.DisplayName == "" {
		m.DisplayName = m.Name
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO merchants (name, display_name, api_key_hash, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`),
			m.Name, m.DisplayName, m.APIKeyHash, ms(m.CreatedAt)).Scan(&m.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("name or key already in use: %w", ErrConflict)
		}
		if err != nil {
			return err
		}
		if err := s.addOrigins(ctx, tx, m.ID, m.Origins); err != nil {
			return err
		}
		for o, n := range m.OriginNames {
			if err := changedRow(tx.ExecContext(ctx, s.q(`UPDATE merchant_origins SET display_name = ?
				WHERE merchant_id = ? AND origin = ?`), n, m.ID, o)); err != nil {
				return fmt.Errorf("name of origin %s, not one of the merchant's: %w", o, err)
			}
		}
		return nil
	})
	if err != nil {
		return issuer.Merchant{}, fmt.Errorf("store: create merchant %q: %w", m.Name, err)
	}
	return s.Merchant(ctx, m.ID)
}

// EnsureMerchant makes the merchant named m.Name exist with key hash
// m.APIKeyHash, display name m.DisplayName (m.Name when empty) and at least
// the origins m.Origins, creating it if needed. It is for seeding: running
// it twice changes nothing the second time. A key hash in use by another
// merchant is ErrConflict.
func (s *Store) EnsureMerchant(ctx context.Context, m issuer.Merchant) (issuer.Merchant, error) {
	if m.DisplayName == "" {
		m.DisplayName = m.Name
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var other int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM merchants WHERE api_key_hash = ? AND name <> ?`),
			m.APIKeyHash, m.Name).Scan(&other); err != nil {
			return err
		}
		if other > 0 {
			return fmt.Errorf("key in use by another merchant: %w", ErrConflict)
		}
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO merchants (name, display_name, api_key_hash, created_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET api_key_hash = excluded.api_key_hash, display_name = excluded.display_name
			RETURNING id`),
			m.Name, m.DisplayName, m.APIKeyHash, ms(m.CreatedAt)).Scan(&m.ID)
		if err != nil {
			return err
		}
		return s.addOrigins(ctx, tx, m.ID, m.Origins)
	})
	if err != nil {
		return issuer.Merchant{}, fmt.Errorf("store: ensure merchant %q: %w", m.Name, err)
	}
	return s.Merchant(ctx, m.ID)
}

func (s *Store) addOrigins(ctx context.Context, tx *sql.Tx, id int64, origins []string) error {
	for _, o := range origins {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO merchant_origins (merchant_id, origin)
			VALUES (?, ?) ON CONFLICT DO NOTHING`), id, o); err != nil {
			return err
		}
	}
	return nil
}

const merchantColumns = `id, name, display_name, api_key_hash, created_at`

// Merchant returns the merchant with the given id.
func (s *Store) Merchant(ctx context.Context, id int64) (issuer.Merchant, error) {
	m, err := s.merchant(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE id = ?`, id)
	if err != nil {
		return issuer.Merchant{}, fmt.Errorf("store: merchant %d: %w", id, err)
	}
	return m, nil
}

// MerchantByKeyHash returns the merchant whose API key hashes to h.
//
// Looking the hash up through an index is not a timing oracle worth
// guarding: the attacker chooses keys, not hashes, so learning how many
// leading bytes of a hash matched tells nothing about any real key.
func (s *Store) MerchantByKeyHash(ctx context.Context, h []byte) (issuer.Merchant, error) {
	m, err := s.merchant(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE api_key_hash = ?`, h)
	if err != nil {
		return issuer.Merchant{}, fmt.Errorf("store: merchant by key: %w", err)
	}
	return m, nil
}

func (s *Store) merchant(ctx context.Context, query string, arg any) (issuer.Merchant, error) {
	var m issuer.Merchant
	var created int64
	err := s.db.QueryRowContext(ctx, s.q(query), arg).Scan(&m.ID, &m.Name, &m.DisplayName, &m.APIKeyHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return issuer.Merchant{}, ErrNotFound
	}
	if err != nil {
		return issuer.Merchant{}, err
	}
	m.CreatedAt = fromMS(created)
	// The origins (with their names) and the descriptors in one round
	// trip: this runs for every request a merchant makes.
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT 'o', origin, display_name FROM merchant_origins WHERE merchant_id = ?
		UNION ALL SELECT 'd', descriptor, '' FROM merchant_descriptors WHERE merchant_id = ?
		ORDER BY 1, 2`), m.ID, m.ID)
	if err != nil {
		return issuer.Merchant{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, v, name string
		if err := rows.Scan(&kind, &v, &name); err != nil {
			return issuer.Merchant{}, err
		}
		if kind == "d" {
			m.Descriptors = append(m.Descriptors, v)
			continue
		}
		m.Origins = append(m.Origins, v)
		if name != "" {
			if m.OriginNames == nil {
				m.OriginNames = make(map[string]string)
			}
			m.OriginNames[v] = name
		}
	}
	return m, rows.Err()
}
