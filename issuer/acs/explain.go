package acs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

// Explanation is an operator's view of one authentication and its risk
// decision: what was bought where, what became of it, the score, each
// rule that fired with its points and whether it is evidence of fraud or
// a signal, the signals the decision used, and the coarse categories the
// merchant was shown. The CLI (issuer authentication show -json) and the
// internal API print this same JSON.
//
// It never carries the card number (the last 4 digits only), a code, a
// seed or the personal message: an operator explains a decision without
// them, and whatever reads this may log it.
type Explanation struct {
	ID       string              `json:"id"`
	Status   string              `json:"status"`
	Reason   string              `json:"reason,omitempty"`
	Method   string              `json:"method,omitempty"`
	Merchant ExplanationMerchant `json:"merchant"`
	OrderRef string              `json:"order_ref,omitempty"`
	Amount   int64               `json:"amount"`
	Currency string              `json:"currency"`
	// Card is "*" and the last 4 digits; "" for a card not enrolled.
	Card            string    `json:"card,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	StartedAt       time.Time `json:"started_at,omitzero"`
	DecidedAt       time.Time `json:"decided_at,omitzero"`
	FinishedAt      time.Time `json:"finished_at,omitzero"`
	FraudReportedAt time.Time `json:"fraud_reported_at,omitzero"`
	// Decision is the engine's (frictionless, challenge, deny); "" when
	// it never ran (a card not enrolled, an iframe never opened).
	Decision string            `json:"decision,omitempty"`
	Score    int               `json:"score"`
	Rules    []ExplainedReason `json:"rules"`
	// Signals are those the decision used, as stored with it.
	Signals json.RawMessage `json:"signals,omitempty"`
	// MerchantCategories are the coarse reasons GET /v1/authentications/{id}
	// shows the merchant (risk.Categories).
	MerchantCategories []string `json:"merchant_categories"`
	// DeviceID: the browser had a device id (the id's hash is not shown).
	// Fingerprint: it sent the signals a fingerprint is made of.
	DeviceID    bool `json:"device_id"`
	Fingerprint bool `json:"fingerprint"`
	// Facts are the risk.Facts the decision read (what issuer risk replay
	// runs again); absent for decisions made before they were stored.
	Facts json.RawMessage `json:"facts,omitempty"`
}

// ExplanationMerchant is the merchant of an explained authentication.
type ExplanationMerchant struct {
	ID      int64  `json:"id"`
	Account string `json:"account"`
	// ShownAs is the name the cardholder was shown for this order.
	ShownAs string `json:"shown_as"`
	Origin  string `json:"origin"`
}

// Kinds of an ExplainedReason.
const (
	// KindEvidence is evidence of fraud: a deny needs one with points.
	KindEvidence = "evidence"
	// KindSignal may raise a purchase to a challenge (or, negative, lower
	// its score) but never denies on its own.
	KindSignal = "signal"
	// KindNote adds no points: why the engine did what it did
	// (deny_needs_evidence, amount_above_frictionless_cap,
	// provider_unavailable, provider_opted_out).
	KindNote = "note"
)

// ExplainedReason is one stored reason with its kind.
type ExplainedReason struct {
	Code   string `json:"code"`
	Points int    `json:"points"`
	Kind   string `json:"kind"`
}

// Explain is the explanation of authentication id, for an operator;
// NotFound when there is none.
func (s *Service) Explain(ctx context.Context, id string) (Explanation, error) {
	return Explain(ctx, s.store, id)
}

// Explain reads authentication id's explanation from st. It is the use case
// without a Service, for the CLI, which has the database but none of the
// keys a Service needs.
func Explain(ctx context.Context, st *store.Store, id string) (Explanation, error) {
	row, err := st.Explanation(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Explanation{}, refuse(NotFound, "not_found", "no authentication %s", id)
	}
	if err != nil {
		return Explanation{}, err
	}
	return explanationOf(row)
}

// explanationOf turns the stored row into the explanation. The stored
// JSON is the issuer's own; a row it cannot read is an error, not an
// explanation that silently shows less.
func explanationOf(r store.Explanation) (Explanation, error) {
	e := Explanation{ID: r.ID, Status: r.Status, Reason: r.Reason, Method: r.Method,
		Merchant: ExplanationMerchant{ID: r.MerchantID, Account: r.MerchantAccount, ShownAs: r.MerchantName, Origin: r.MerchantOrigin},
		OrderRef: r.OrderRef, Amount: r.Amount, Currency: r.Currency,
		CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, DecidedAt: r.DecidedAt, FinishedAt: r.FinishedAt,
		FraudReportedAt: r.FraudReportedAt, Decision: r.Decision, Score: r.Score,
		Rules: []ExplainedReason{}, MerchantCategories: []string{}, DeviceID: r.HasDevice, Fingerprint: r.DeviceFingerprint}
	if r.CardLast4 != "" {
		e.Card = "*" + r.CardLast4
	}
	var reasons []risk.Reason
	if r.Reasons != "" {
		if err := json.Unmarshal([]byte(r.Reasons), &reasons); err != nil {
			return Explanation{}, fmt.Errorf("acs: explain %s: stored reasons: %w", r.ID, err)
		}
	}
	for _, rr := range reasons {
		kind := KindSignal
		switch {
		case risk.Evidence(rr.Code):
			kind = KindEvidence
		case rr.Points == 0:
			// A rule with weight 0 never fires, so 0 points is a note.
			kind = KindNote
		}
		e.Rules = append(e.Rules, ExplainedReason{Code: rr.Code, Points: rr.Points, Kind: kind})
	}
	if cats := risk.Categories(reasons); cats != nil {
		e.MerchantCategories = cats
	}
	for _, raw := range []struct {
		name string
		from string
		to   *json.RawMessage
	}{{"signals", r.Signals, &e.Signals}, {"facts", r.Facts, &e.Facts}} {
		// "{}" is the column's default: no decision, no signals.
		if raw.from == "" || raw.from == "{}" {
			continue
		}
		if !json.Valid([]byte(raw.from)) {
			return Explanation{}, fmt.Errorf("acs: explain %s: stored %s are not JSON", r.ID, raw.name)
		}
		*raw.to = json.RawMessage(raw.from)
	}
	return e, nil
}
