package api

import (
	"context"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/ledger"
)

// Ledger is the edge's state: per authentication, per credential, per card,
// and the queue of outcome reports. Every method must be atomic on shared
// storage (one statement, or one batch that D1 runs as a transaction): the
// edge may run as many instances at once, and the counting must hold across
// all of them. edge/ledger implements it.
type Ledger interface {
	// Lookup returns what is known about authID; unknown is the zero Entry.
	Lookup(ctx context.Context, authID string) (ledger.Entry, error)
	// SeeChallenge records c, just handed out, as its authentication's
	// newest generation and its card's newest challenge; it refuses an
	// older one (ledger.ErrSuperseded, ErrCardSuperseded).
	SeeChallenge(ctx context.Context, c ledger.Challenge) error
	// Count counts one try against c, per authentication (at most max)
	// and per credential, and queues its report q leased until due — one
	// transaction, before the code is judged. A refused try is one of
	// ledger's errors (ErrFinished, ErrSuperseded, ErrCardSuperseded,
	// ErrAttempts, ErrCredentialLocked).
	Count(ctx context.Context, c ledger.Challenge, max int, q ledger.Queued, due, now time.Time) (ledger.Try, error)
	// Refund takes back a try that could not be judged, while its report
	// has not left; false when it had.
	Refund(ctx context.Context, authID string, t ledger.Try, now time.Time) (bool, error)
	// Relabel sets the reason of a try's report while it has not left,
	// and returns the report as now queued.
	Relabel(ctx context.Context, t ledger.Try, reason string, now time.Time) (rep ledger.Leased, ok bool, err error)
	// End gives an authentication its one result and queues its report,
	// one transaction; first is true for exactly one caller.
	End(ctx context.Context, e ledger.Ending, due, now time.Time) (rep ledger.Leased, first bool, err error)
	// UseStep records step as the newest TOTP step accepted for the
	// credential cred; ok is false, and nothing changes, when a step at or
	// after it is already recorded: a code is never accepted twice (RFC
	// 6238 §5.2), across every authentication.
	UseStep(ctx context.Context, cred string, step int64) (ok bool, err error)
	// SetCredentials applies the issuer's word on credentials.
	SetCredentials(ctx context.Context, states []challenge.CredState) (int, error)
}

// Reporter delivers what the ledger queued.
type Reporter interface {
	// After delivers l, leased to this request, after the response.
	After(ctx context.Context, l ledger.Leased)
	// LeaseEnd is when a row queued leased at now comes due for the
	// background delivery if its request never delivers it.
	LeaseEnd(now time.Time) time.Time
}
