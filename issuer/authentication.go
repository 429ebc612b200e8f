package issuer

import (
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// Authentication is one request of a merchant to authenticate a cardholder
// for one transaction.
type Authentication struct {
	// ID is 130 random bits in base32 (26 characters, the form of
	// challenge.NewID): unguessable, since tokens and URLs carry it.
	ID         string
	MerchantID int64
	// CardholderID is 0 when the card is not enrolled.
	CardholderID int64
	// RangeID is the card range (store.Range) the card was found in at
	// creation, 0 for none: the start shows that range's brand. It is
	// written at creation and read only through store.RangeBranding.
	RangeID        int64
	OrderRef       string
	Amount         int64 // minor units of Currency
	Currency       string
	MerchantName   string
	MerchantOrigin string
	Status         string // C Y N U A R
	Reason         string
	Method         Method // "" before the start
	// Gen is the generation of the newest code: 0 before the start, then
	// 1, 2, ... for each start or resend.
	Gen    int
	AVHash []byte
	// CreatedAt is the transaction's date as shown to the cardholder.
	CreatedAt  time.Time
	UpdatedAt  time.Time
	StartedAt  time.Time // zero until started
	LastSentAt time.Time // zero when no code of the newest gen was sent
	FinishedAt time.Time // zero until final
	// Decision is the risk engine's: frictionless, challenge or deny; ""
	// before the start.
	Decision string
	// RiskScore and RiskReasons explain the decision (RiskReasons is the
	// engine's JSON list of fired rules with their points).
	RiskScore   int
	RiskReasons string
	// Creds are the public ids of the credentials the newest challenge
	// offered; wrong codes are charged to each of them.
	Creds []string
	// Resends is the number of resends done (the start is not one).
	Resends int
	// FailuresSeen is the wrong codes of this authentication already
	// charged to its credentials (see RecordAttempts).
	FailuresSeen int
	// Secret is the vault-sealed {code, av} of the newest challenge (the
	// code only for email/SMS), so a reload re-mints the same challenge
	// without sending again or taking a new generation; nil once the
	// authentication is final, and after a failed send.
	Secret []byte
	// CardSeq is this authentication's place among its card's challenges
	// (0 until its first challenge): the edge keeps the newest per card.
	CardSeq int64
	// GenAt is when the newest generation was issued (zero before).
	GenAt time.Time
	// ResultToken is the result token the edge minted, once its report
	// arrived ("" before, and for outcomes decided at the issuer).
	ResultToken string
}

// Final reports whether the authentication has its outcome.
func (a Authentication) Final() bool { return a.Status != contract.StatusChallenge }
