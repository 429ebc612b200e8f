package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Merchant is an account allowed to create authentications.
type Merchant struct {
	ID   int64
	Name string
	// APIKeyHash is the SHA-256 of the merchant's API key.
	APIKeyHash []byte
	// Origins are the exact origins (scheme://host[:port]) the merchant's
	// checkout pages are served from; the result is posted only to one.
	Origins   []string
	CreatedAt time.Time
}

// CreateMerchant adds a merchant. A name or key hash already in use is
// ErrConflict.
func (s *Store) CreateMerchant(ctx context.Context, m Merchant) (Merchant, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO merchants (name, api_key_hash, created_at)
			VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`),
			m.Name, m.APIKeyHash, ms(m.CreatedAt)).Scan(&m.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("name or key already in use: %w", ErrConflict)
		}
		if err != nil {
			return err
		}
		return s.addOrigins(ctx, tx, m.ID, m.Origins)
	})
	if err != nil {
		return Merchant{}, fmt.Errorf("store: create merchant %q: %w", m.Name, err)
	}
	m.CreatedAt = fromMS(ms(m.CreatedAt))
	return m, nil
}

// EnsureMerchant makes the merchant named m.Name exist with key hash
// m.APIKeyHash and at least the origins m.Origins, creating it if needed. It
// is for seeding: running it twice changes nothing the second time. A key
// hash in use by another merchant is ErrConflict.
func (s *Store) EnsureMerchant(ctx context.Context, m Merchant) (Merchant, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var other int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM merchants WHERE api_key_hash = ? AND name <> ?`),
			m.APIKeyHash, m.Name).Scan(&other); err != nil {
			return err
		}
		if other > 0 {
			return fmt.Errorf("key in use by another merchant: %w", ErrConflict)
		}
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO merchants (name, api_key_hash, created_at)
			VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET api_key_hash = excluded.api_key_hash
			RETURNING id`),
			m.Name, m.APIKeyHash, ms(m.CreatedAt)).Scan(&m.ID)
		if err != nil {
			return err
		}
		return s.addOrigins(ctx, tx, m.ID, m.Origins)
	})
	if err != nil {
		return Merchant{}, fmt.Errorf("store: ensure merchant %q: %w", m.Name, err)
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

const merchantColumns = `id, name, api_key_hash, created_at`

// Merchant returns the merchant with the given id.
func (s *Store) Merchant(ctx context.Context, id int64) (Merchant, error) {
	m, err := s.merchant(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE id = ?`, id)
	if err != nil {
		return Merchant{}, fmt.Errorf("store: merchant %d: %w", id, err)
	}
	return m, nil
}

// MerchantByKeyHash returns the merchant whose API key hashes to h.
//
// Looking the hash up through an index is not a timing oracle worth
// guarding: the attacker chooses keys, not hashes, so learning how many
// leading bytes of a hash matched tells nothing about any real key.
func (s *Store) MerchantByKeyHash(ctx context.Context, h []byte) (Merchant, error) {
	m, err := s.merchant(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE api_key_hash = ?`, h)
	if err != nil {
		return Merchant{}, fmt.Errorf("store: merchant by key: %w", err)
	}
	return m, nil
}

func (s *Store) merchant(ctx context.Context, query string, arg any) (Merchant, error) {
	var m Merchant
	var created int64
	err := s.db.QueryRowContext(ctx, s.q(query), arg).Scan(&m.ID, &m.Name, &m.APIKeyHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Merchant{}, ErrNotFound
	}
	if err != nil {
		return Merchant{}, err
	}
	m.CreatedAt = fromMS(created)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT origin FROM merchant_origins WHERE merchant_id = ? ORDER BY origin`), m.ID)
	if err != nil {
		return Merchant{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return Merchant{}, err
		}
		m.Origins = append(m.Origins, o)
	}
	return m, rows.Err()
}
