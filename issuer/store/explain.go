package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Explanation is what an operator is shown of one authentication and its
// risk decision: what was bought where, what became of it, and what the
// engine stored. It carries nothing a cardholder keeps secret: no card
// number (the last 4 digits only), no code or seed (the sealed secret is
// not read), no personal message.
type Explanation struct {
	ID                string
	MerchantID        int64
	MerchantAccount   string // the merchant's account name
	MerchantName      string // the name the cardholder was shown
	MerchantOrigin    string
	OrderRef          string
	Amount            int64
	Currency          string
	CardLast4         string // "" for a card not enrolled
	Status, Reason    string
	Method            string
	Decision          string
	Score             int
	Reasons           string // JSON []risk.Reason
	Signals           string // JSON: what the decision used
	Facts             string // JSON risk.Facts; "" before schema 14
	IP, IPNet         string
	IPCountry         string
	ASN               int64
	CreatedAt         time.Time
	StartedAt         time.Time // zero until started
	DecidedAt         time.Time // zero until decided
	FinishedAt        time.Time // zero until final
	FraudReportedAt   time.Time // zero unless the cardholder said "not me"
	HasDevice         bool      // a device id was seen (its hash is not shown)
	DeviceFingerprint bool      // the browser sent fingerprint signals
}

// Explanation returns authentication id's explanation in one query;
// ErrNotFound when there is no such authentication.
func (s *Store) Explanation(ctx context.Context, id string) (Explanation, error) {
	var e Explanation
	var last4 sql.NullString
	var score, started, decided, finished, reported sql.NullInt64
	var created int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT a.id, a.merchant_id, m.name, a.merchant_name, a.merchant_origin,
			a.order_ref, a.amount, a.currency, c.last4, a.status, a.reason, a.method, a.decision, a.risk_score,
			a.risk_reasons, a.signals, a.risk_facts, a.ip, a.ip_net, a.ip_country, a.asn,
			a.created_at, a.started_at, CASE WHEN a.decision <> '' THEN a.decided_at END, a.finished_at, f.reported_at,
			a.device_hash IS NOT NULL, a.fingerprint <> ''
		FROM authentications a
		JOIN merchants m ON m.id = a.merchant_id
		LEFT JOIN cardholders c ON c.id = a.cardholder_id
		LEFT JOIN fraud_reports f ON f.authentication_id = a.id
		WHERE a.id = ?`), id).Scan(&e.ID, &e.MerchantID, &e.MerchantAccount, &e.MerchantName, &e.MerchantOrigin,
		&e.OrderRef, &e.Amount, &e.Currency, &last4, &e.Status, &e.Reason, &e.Method, &e.Decision, &score,
		&e.Reasons, &e.Signals, &e.Facts, &e.IP, &e.IPNet, &e.IPCountry, &e.ASN,
		&created, &started, &decided, &finished, &reported, &e.HasDevice, &e.DeviceFingerprint)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Explanation{}, fmt.Errorf("store: explanation of %s: %w", id, err)
	}
	e.CardLast4, e.Score = last4.String, int(score.Int64)
	e.CreatedAt = fromMS(created)
	e.StartedAt, e.DecidedAt, e.FinishedAt = fromNullMS(started), fromNullMS(decided), fromNullMS(finished)
	e.FraudReportedAt = fromNullMS(reported)
	return e, nil
}

// StoredDecision is one decision's stored facts, for a replay.
type StoredDecision struct {
	ID string
	// Decision is what was decided then.
	Decision  string
	Facts     string // JSON risk.Facts, never ""
	DecidedAt time.Time
}

// EachDecision calls fn with each decision made at or after since whose
// facts were stored, in no particular order (a replay counts; sorting
// months of rows would cost the database for nothing), one row at a time so a
// replay over months holds one decision in memory, not all of them. It
// returns how many decisions in that time had no facts (made before the
// facts were stored). fn must not use the store: the query's connection
// is busy until it ends. An error from fn stops the walk and is returned.
func (s *Store) EachDecision(ctx context.Context, since time.Time, fn func(StoredDecision) error) (noFacts int, err error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, decision, risk_facts, decided_at FROM authentications
		WHERE decided_at >= ? AND decision <> ''`), ms(since))
	if err != nil {
		return 0, fmt.Errorf("store: decisions since %s: %w", since.Format(time.RFC3339), err)
	}
	defer rows.Close()
	for rows.Next() {
		var d StoredDecision
		var at int64
		if err := rows.Scan(&d.ID, &d.Decision, &d.Facts, &at); err != nil {
			return noFacts, fmt.Errorf("store: decisions since %s: %w", since.Format(time.RFC3339), err)
		}
		if d.Facts == "" {
			noFacts++
			continue
		}
		d.DecidedAt = fromMS(at)
		if err := fn(d); err != nil {
			return noFacts, err
		}
	}
	if err := rows.Err(); err != nil {
		return noFacts, fmt.Errorf("store: decisions since %s: %w", since.Format(time.RFC3339), err)
	}
	return noFacts, nil
}
