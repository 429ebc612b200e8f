package acs

import (
	"context"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/passhash"
	"github.com/honnin/honnin/issuer/store"
)

// CheckPassword answers whether password is the static password (the
// legacy method, seed 003) of the cardholder of authentication id, whose
// newest challenge must be of gen. The issuer alone holds its hash;
// counting and ending stay at the edge, exactly as for a wrong code, and
// the edge's progress reports count the failures (RecordOutcome).
//
// The check takes a slot of the hashing budget in its Purchase lane, ahead
// of every portal sign-in. When even that lane is full (or its wait ran
// out, or the caller hung up) the refusal is Busy: the password was not
// checked, and the edge counts no try.
func (s *Service) CheckPassword(ctx context.Context, id string, gen int, pw string) (bool, error) {
	if !limits.ValidPassword(pw) {
		// The one rule the client and the edge apply too: characters, not
		// bytes, so a Japanese password is not refused here after the
		// edge let it through.
		return false, refuse(Invalid, "bad_request", "password must be 1 to %d characters of UTF-8", limits.PasswordMaxRunes)
	}
	a, _, err := s.challengeable(ctx, id)
	if err != nil {
		return false, err
	}
	if a.Method != issuer.MethodPassword {
		return false, refuse(Conflict, contract.CodeNotPassword, "this authentication is not a password challenge")
	}
	if gen != a.Gen {
		return false, challengeError(store.ErrSuperseded)
	}
	creds, err := s.store.ActiveCredentials(ctx, a.CardholderID, issuer.MethodPassword)
	if err != nil || len(creds) == 0 {
		return false, err
	}
	slot, err := s.hashing.Acquire(ctx, passhash.Purchase)
	if err != nil {
		return false, busy(err, s.now())
	}
	defer slot.Release()
	// Every credential is checked (no early return: the time does not
	// tell which matched).
	ok := false
	for _, c := range creds {
		match, err := slot.Verify(pw, c.PasswordHash)
		if err != nil {
			return false, err
		}
		ok = ok || match
	}
	return ok, nil
}

// busy refuses a check the hashing budget did not run: refused, or
// abandoned by the caller while it waited (then nobody reads it).
func busy(err error, now time.Time) error {
	if !passhash.NotChecked(err) {
		return err
	}
	return &Refusal{Kind: Busy, Code: contract.CodeBusy, RetryAt: now.Add(passhash.RetryAfter),
		Message: "the issuer is busy checking passwords; the password was not checked, retry shortly"}
}
