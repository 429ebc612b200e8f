package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/issuer"
)

// Deny list kinds: what of an authentication a cardholder's fraud report
// puts on the deny list (table risk_denylist).
const (
	// DenyDevice: the device's keyed hash (authentications.device_hash),
	// in lower-case hex.
	DenyDevice = "device"
	// DenyAddress: the address as the velocity rule counts it
	// (authentications.ip_net: an IPv4 address, an IPv6 /64).
	DenyAddress = "address"
	// DenyMerchant: the merchant's id, in decimal.
	DenyMerchant = "merchant"
)

// DenyKinds are the deny list's kinds, in the order they are listed.
var DenyKinds = []string{DenyDevice, DenyAddress, DenyMerchant}

// FraudReport is a cardholder's "this was not me" of one of their card's
// authentications, with how long each deny list entry it makes lasts (the
// risk configuration's windows of denylisted_device, denylisted_address
// and denylisted_merchant).
type FraudReport struct {
	AuthenticationID string
	CardholderID     int64
	At               time.Time
	// DeviceFor, AddressFor and MerchantFor are the lifetimes of the
	// entries, from At; each must be positive.
	DeviceFor, AddressFor, MerchantFor time.Duration
}

// DenyEntry is one row of the deny list. AuthenticationID is the newest
// reported authentication that named it, AddedAt when that report came.
type DenyEntry struct {
	Kind, Value        string
	AuthenticationID   string
	AddedAt, ExpiresAt time.Time
}

// ReportFraud records r in one transaction: the fraud report (once per
// authentication: a second is ErrConflict), the deny list entries of the
// authentication's device (none when it had no device id), address (none
// when unknown) and merchant, and an audit entry. An entry already listed
// is renewed: it keeps the later expiry and takes this report's
// authentication. An authentication that does not exist or is not the
// cardholder's is ErrNotFound, and nothing is written.
//
// It returns the authentication (for the operator's notice) and the
// entries as they stand after the report.
func (s *Store) ReportFraud(ctx context.Context, r FraudReport) (issuer.Authentication, []DenyEntry, error) {
	if r.DeviceFor <= 0 || r.AddressFor <= 0 || r.MerchantFor <= 0 {
		return issuer.Authentication{}, nil, fmt.Errorf("store: report fraud %s: deny list lifetimes must be positive", r.AuthenticationID)
	}
	var a issuer.Authentication
	var entries []DenyEntry
	err := s.tx(ctx, func(tx *sql.Tx) error {
		entries = nil
		var err error
		a, err = scanAuthentication(tx.QueryRowContext(ctx, s.q(`SELECT `+authColumns+` FROM authentications
			WHERE id = ? AND cardholder_id = ?`), r.AuthenticationID, r.CardholderID))
		if err != nil {
			return err
		}
		var device []byte
		var ipNet string
		if err := tx.QueryRowContext(ctx, s.q(`SELECT device_hash, ip_net FROM authentications WHERE id = ?`),
			a.ID).Scan(&device, &ipNet); err != nil {
			return err
		}
		// DO NOTHING rather than a failed insert: on PostgreSQL a unique
		// violation would abort the transaction.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO fraud_reports (authentication_id, cardholder_id, reported_at)
			VALUES (?, ?, ?) ON CONFLICT (authentication_id) DO NOTHING`), a.ID, r.CardholderID, ms(r.At))
		if err := changedRow(res, err); errors.Is(err, ErrNotFound) {
			return fmt.Errorf("reported already: %w", ErrConflict)
		} else if err != nil {
			return err
		}
		type item struct {
			kind, value string
			life        time.Duration
		}
		var items []item
		if len(device) > 0 {
			items = append(items, item{DenyDevice, hex.EncodeToString(device), r.DeviceFor})
		}
		if ipNet != "" {
			items = append(items, item{DenyAddress, ipNet, r.AddressFor})
		}
		items = append(items, item{DenyMerchant, strconv.FormatInt(a.MerchantID, 10), r.MerchantFor})
		listed := make([]string, 0, len(items))
		for _, it := range items {
			e, err := scanDenyEntry(tx.QueryRowContext(ctx, s.q(`INSERT INTO risk_denylist
				(kind, value, authentication_id, added_at, expires_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (kind, value) DO UPDATE SET
					authentication_id = excluded.authentication_id, added_at = excluded.added_at,
					expires_at = CASE WHEN excluded.expires_at > risk_denylist.expires_at
						THEN excluded.expires_at ELSE risk_denylist.expires_at END
				RETURNING `+denyColumns), it.kind, it.value, a.ID, ms(r.At), ms(r.At.Add(it.life))))
			if err != nil {
				return fmt.Errorf("deny list %s: %w", it.kind, err)
			}
			entries = append(entries, e)
			listed = append(listed, it.kind)
		}
		// The detail names the kinds only: an address or a device hash
		// does not go into the audit trail.
		return s.audit(ctx, tx, r.At, "cardholder", "fraud_report", a.ID, map[string]any{"denylisted": listed})
	})
	if err != nil {
		return issuer.Authentication{}, nil, fmt.Errorf("store: report fraud %s: %w", r.AuthenticationID, err)
	}
	return a, entries, nil
}

const denyColumns = `kind, value, authentication_id, added_at, expires_at`

func scanDenyEntry(row interface{ Scan(...any) error }) (DenyEntry, error) {
	var e DenyEntry
	var added, expires int64
	err := row.Scan(&e.Kind, &e.Value, &e.AuthenticationID, &added, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return DenyEntry{}, ErrNotFound
	}
	if err != nil {
		return DenyEntry{}, err
	}
	e.AddedAt, e.ExpiresAt = fromMS(added), fromMS(expires)
	return e, nil
}

// FraudReported returns, of the cardholder's authentications ids, those
// reported as fraud, with when: what the portal's history marks
// "reported". Ids of other cards are not in it.
func (s *Store) FraudReported(ctx context.Context, cardholderID int64, ids []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time)
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{cardholderID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT authentication_id, reported_at FROM fraud_reports
		WHERE cardholder_id = ? AND authentication_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: fraud reported of %d: %w", cardholderID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("store: fraud reported of %d: %w", cardholderID, err)
		}
		out[id] = fromMS(at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: fraud reported of %d: %w", cardholderID, err)
	}
	return out, nil
}

// DenyList returns every deny list entry, expired ones too (they count no
// more, but the operator sees what was listed), by kind and value.
func (s *Store) DenyList(ctx context.Context) ([]DenyEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+denyColumns+` FROM risk_denylist ORDER BY kind, value`)
	if err != nil {
		return nil, fmt.Errorf("store: deny list: %w", err)
	}
	defer rows.Close()
	var out []DenyEntry
	for rows.Next() {
		e, err := scanDenyEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("store: deny list: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: deny list: %w", err)
	}
	return out, nil
}

// RemoveDenyEntry takes the entry kind/value off the deny list (an
// operator's decision: a report made in error), with an audit entry on the
// authentication that listed it; ErrNotFound if it is not listed. The
// fraud report itself stays.
func (s *Store) RemoveDenyEntry(ctx context.Context, kind, value, actor string, at time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var authID string
		err := tx.QueryRowContext(ctx, s.q(`DELETE FROM risk_denylist WHERE kind = ? AND value = ?
			RETURNING authentication_id`), kind, value).Scan(&authID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, at, actor, "denylist_remove", authID, map[string]any{"kind": kind})
	})
	if err != nil {
		return fmt.Errorf("store: remove deny list %s %q: %w", kind, value, err)
	}
	return nil
}
