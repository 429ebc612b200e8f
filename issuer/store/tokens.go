package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/issuer"
)

// ErrTokenLimit: the cardholder has the most tokens allowed already.
var ErrTokenLimit = errors.New("token limit reached")

// maxTokens is how many tokens (active or locked) a cardholder may hold: a
// spare for the one in the drawer, no more.
const maxTokens = 2

// Token is a hardware TOTP token of the issuer's stock.
type Token struct {
	ID     int64
	Serial string
	// Seed is vault-sealed under issuer.TokenSeedLabel(Serial).
	Seed       []byte
	TOTP       issuer.TOTPParams
	ImportedAt time.Time
	// CardholderID, CredentialID and State describe the non-revoked
	// credential the token is assigned to; 0, 0, "" when unassigned.
	CardholderID int64
	CredentialID int64
	State        string
}

const tokenColumns = `t.id, t.serial, t.seed_enc, t.digits, t.period, t.algorithm, t.imported_at,
	COALESCE(c.cardholder_id, 0), COALESCE(c.id, 0), COALESCE(c.state, '')`

const tokenFrom = ` FROM tokens t LEFT JOIN credentials c ON c.token_id = t.id AND c.state <> 'revoked' `

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var imported int64
	err := row.Scan(&t.ID, &t.Serial, &t.Seed, &t.TOTP.Digits, &t.TOTP.Period, &t.TOTP.Algorithm, &imported,
		&t.CardholderID, &t.CredentialID, &t.State)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNotFound
	}
	if err != nil {
		return Token{}, err
	}
	t.ImportedAt = fromMS(imported)
	return t, nil
}

// ImportTokens stores the tokens of a vendor's seed file, all or nothing:
// a serial duplicated in the batch or already stored fails the import,
// naming it, wrapping ErrConflict. Seeds must be sealed already; unset
// TOTP parameters default to 6 digits, 60 s, SHA1. It returns the number
// imported.
func (s *Store) ImportTokens(ctx context.Context, ts []Token, now time.Time) (int, error) {
	seen := make(map[string]bool, len(ts))
	for _, t := range ts {
		switch {
		case t.Serial == "":
			return 0, fmt.Errorf("store: import tokens: a token has no serial")
		case len(t.Seed) == 0:
			return 0, fmt.Errorf("store: import tokens: token %s has no seed", t.Serial)
		case seen[t.Serial]:
			return 0, fmt.Errorf("store: import tokens: serial %s twice in the batch: %w", t.Serial, ErrConflict)
		}
		seen[t.Serial] = true
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, t := range ts {
			p := t.TOTP.WithDefaults()
			res, err := tx.ExecContext(ctx, s.q(`INSERT INTO tokens (serial, seed_enc, digits, period, algorithm, imported_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (serial) DO NOTHING`),
				t.Serial, t.Seed, p.Digits, p.Period, p.Algorithm, ms(now))
			if err != nil {
				return fmt.Errorf("token %s: %w", t.Serial, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return fmt.Errorf("serial %s is imported already: %w", t.Serial, ErrConflict)
			}
		}
		return s.audit(ctx, tx, now, "operator", "tokens_import", "", map[string]any{"count": len(ts)})
	})
	if err != nil {
		return 0, fmt.Errorf("store: import tokens: %w", err)
	}
	return len(ts), nil
}

// AssignToken gives the token with serial to the cardholder as a new
// active credential and revokes its static password (reason replaced).
// ErrNotFound for an unknown serial, ErrConflict for a token assigned to a
// non-revoked credential, ErrTokenLimit when the cardholder holds
// maxTokens already.
func (s *Store) AssignToken(ctx context.Context, serial string, cardholderID int64, now time.Time) (issuer.Credential, error) {
	var c issuer.Credential
	err := s.tx(ctx, func(tx *sql.Tx) error {
		t, err := scanToken(tx.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+tokenFrom+`WHERE t.serial = ?`), serial))
		if err != nil {
			return err
		}
		if t.CredentialID != 0 {
			return fmt.Errorf("assigned already: %w", ErrConflict)
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM credentials
			WHERE cardholder_id = ? AND kind = 'token' AND state <> 'revoked'`), cardholderID).Scan(&n); err != nil {
			return err
		}
		if n >= maxTokens {
			return fmt.Errorf("%d tokens held: %w", n, ErrTokenLimit)
		}
		pw, err := s.credentials(ctx, tx, `c.cardholder_id = ? AND c.kind = 'password' AND c.state <> 'revoked'`, cardholderID)
		if err != nil {
			return err
		}
		for _, p := range pw {
			if err := s.setState(ctx, tx, p, issuer.CredRevoked, issuer.LockReplaced, "operator", now); err != nil {
				return err
			}
		}
		c, err = s.insertCredential(ctx, tx, issuer.Credential{CardholderID: cardholderID, Kind: issuer.MethodToken},
			sql.NullInt64{Int64: t.ID, Valid: true}, now)
		if err != nil {
			return err
		}
		if err := s.auditCred(ctx, tx, now, "operator", "token_assign", c, nil); err != nil {
			return err
		}
		return s.refreshOTPLock(ctx, tx, cardholderID)
	})
	if err != nil {
		return issuer.Credential{}, fmt.Errorf("store: assign token %s to %d: %w", serial, cardholderID, err)
	}
	return c, nil
}

// TokenBySerial returns the token with serial and its assignment.
func (s *Store) TokenBySerial(ctx context.Context, serial string) (Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+tokenFrom+`WHERE t.serial = ?`), serial))
	if err != nil {
		return Token{}, fmt.Errorf("store: token %s: %w", serial, err)
	}
	return t, nil
}

// Tokens returns the whole stock by serial, with assignments.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+tokenColumns+tokenFrom+`ORDER BY t.serial`))
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	return out, nil
}
