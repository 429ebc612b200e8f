package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Range is a span of card numbers this issuer serves, by their leading
// digits: every card whose first len(Start) digits lie between Start and
// End. A BIN prefix is a Range with Start == End.
type Range struct {
	ID         int64
	Start, End string
	Brand      string
	// Eligible is false for a range whose cards are not enrolled in
	// authentication (seed 002): they are answered N not_eligible.
	Eligible bool
	Note     string
	// Branding is the range's own brand for the challenge screen, as
	// issuer/branding.Encode writes it (JSON of a contract.Issuer); ""
	// shows the issuer's default. Brand above is the card scheme's name,
	// for the listing.
	Branding  string
	CreatedAt time.Time
}

// RangeDigits is how many leading digits of a card number a range can
// look at: 11, the longest prefix a range may have.
const RangeDigits = 11

const rangeColumns = `id, start_digits, end_digits, brand, eligible, note, branding, created_at`

func scanRange(row interface{ Scan(...any) error }) (Range, error) {
	var r Range
	var created int64
	if err := row.Scan(&r.ID, &r.Start, &r.End, &r.Brand, &r.Eligible, &r.Note, &r.Branding, &created); err != nil {
		return Range{}, err
	}
	r.CreatedAt = fromMS(created)
	return r, nil
}

// AddRange adds r. The same start and end twice is ErrConflict; ends that
// are not 6 to 11 digits of equal length, or in the wrong order, are
// refused by the table and are ErrConflict too (the caller checks first).
func (s *Store) AddRange(ctx context.Context, r Range) (Range, error) {
	row := s.db.QueryRowContext(ctx, s.q(`INSERT INTO card_ranges (start_digits, end_digits, brand, eligible, note, branding, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+rangeColumns), r.Start, r.End, r.Brand, flag(r.Eligible), r.Note, r.Branding, ms(r.CreatedAt))
	got, err := scanRange(row)
	if isConstraint(err) {
		return Range{}, fmt.Errorf("store: add range %s-%s: %w (%v)", r.Start, r.End, ErrConflict, err)
	}
	if err != nil {
		return Range{}, fmt.Errorf("store: add range %s-%s: %w", r.Start, r.End, err)
	}
	return got, nil
}

// RemoveRange deletes range id; ErrNotFound if there is none.
func (s *Store) RemoveRange(ctx context.Context, id int64) error {
	if err := changedRow(s.db.ExecContext(ctx, s.q(`DELETE FROM card_ranges WHERE id = ?`), id)); err != nil {
		return fmt.Errorf("store: remove range %d: %w", id, err)
	}
	return nil
}

// Ranges returns every range, ordered by start.
func (s *Store) Ranges(ctx context.Context) ([]Range, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+rangeColumns+` FROM card_ranges ORDER BY start_digits, end_digits`)
	if err != nil {
		return nil, fmt.Errorf("store: ranges: %w", err)
	}
	defer rows.Close()
	var out []Range
	for rows.Next() {
		r, err := scanRange(rows)
		if err != nil {
			return nil, fmt.Errorf("store: ranges: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ErrNoRanges is RangeOf's answer when no range is configured: the issuer
// then serves every card, as before ranges existed.
var ErrNoRanges = errors.New("no card ranges configured")

// RangeOf returns the most specific range holding the card (the longest
// prefix, then the narrowest span, then the newest) whose leading
// digits are lead (at least RangeDigits of them; only those are sent to the
// database, never the whole number). It is ErrNotFound when ranges exist
// but none holds the card, ErrNoRanges when there are none at all.
func (s *Store) RangeOf(ctx context.Context, lead string) (Range, error) {
	if len(lead) > RangeDigits {
		lead = lead[:RangeDigits]
	}
	r, err := scanRange(s.db.QueryRowContext(ctx, s.q(`SELECT `+rangeColumns+` FROM card_ranges
		WHERE substr(CAST(? AS TEXT), 1, length(start_digits)) BETWEEN start_digits AND end_digits
		ORDER BY length(start_digits) DESC, CAST(end_digits AS BIGINT) - CAST(start_digits AS BIGINT), id DESC
		LIMIT 1`), lead))
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Range{}, fmt.Errorf("store: range of card: %w", err)
	}
	var any int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM card_ranges LIMIT 1) r`).Scan(&any); err != nil {
		return Range{}, fmt.Errorf("store: range of card: %w", err)
	}
	if any == 0 {
		return Range{}, ErrNoRanges
	}
	return Range{}, fmt.Errorf("store: range of card: %w", ErrNotFound)
}

// RangeBranding is the brand (Range.Branding) of the range authentication
// id's card was found in when it was created (issuer.Authentication.
// RangeID): "" when it was in none, the range has no brand, or the range
// was removed since. ErrNotFound when there is no such authentication.
func (s *Store) RangeBranding(ctx context.Context, id string) (string, error) {
	var b sql.NullString
	err := s.db.QueryRowContext(ctx, s.q(`SELECT r.branding FROM authentications a
		LEFT JOIN card_ranges r ON r.id = a.range_id WHERE a.id = ?`), id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: range branding of %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: range branding of %s: %w", id, err)
	}
	return b.String, nil
}
