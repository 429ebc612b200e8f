package api

import (
	"context"

	"github.com/honnin/honnin/edge/ledger"
)

// Ledger is the edge's state per authentication, and per TOTP credential
// the newest step used. Every method must be one
// atomic operation on shared storage (one SQL statement on D1, which has no
// transactions): the edge may run as many instances at once, and the
// counting must hold across all of them. edge/ledger implements it.
type Ledger interface {
	// Lookup returns what is known about authID; unknown is the zero Entry.
	Lookup(ctx context.Context, authID string) (ledger.Entry, error)
	// Attempt counts one try of a code of generation gen for authID unless
	// the authentication has its result (ledger.ErrFinished), a newer
	// generation was recorded (ledger.ErrSuperseded) or max are already
	// counted; used is the count afterwards, ok false when nothing was
	// counted because max was reached. Counted per authentication, never
	// per token: a resend does not reset it. One statement checks and
	// counts: a verify's only ledger round trip.
	Attempt(ctx context.Context, authID string, gen, max int) (used int, ok bool, err error)
	// SeeGen records gen as authID's newest generation; ok is false when a
	// newer one is already recorded.
	SeeGen(ctx context.Context, authID string, gen int) (ok bool, err error)
	// Finish records that authID got its result (the result token's jti);
	// first is true for exactly one caller.
	Finish(ctx context.Context, authID, resultJTI string) (first bool, err error)
	// UseStep records step as the newest TOTP step accepted for the
	// credential cred (its public id); ok is false, and nothing changes,
	// when a step at or after it is already recorded: that code, or a
	// newer one, was already used. Per credential, not per
	// authentication: a code is never accepted twice (RFC 6238 §5.2).
	UseStep(ctx context.Context, cred string, step int64) (ok bool, err error)
}
