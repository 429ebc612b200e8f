package acs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

// Signals are what the edge knows of the cardholder's device and
// connection; the risk engine decides on them. The zero value is none.
type Signals struct {
	Device contract.DeviceSignals
	Edge   contract.EdgeSignals
	// MethodIncomplete: an EMV 3DS AReq said the issuer's 3DS Method did
	// not complete (threeDSCompInd N).
	MethodIncomplete bool
}

// Started is a start's outcome. A challenge carries the token and how its
// code was delivered; frictionless and deny carry the status (and the
// authentication value, or the reason) the edge puts into the result token.
type Started struct {
	Decision       string // contract.Decision*
	ChallengeToken string
	Delivery       string // contract.Delivery*, on a challenge
	Status         string
	Reason         string
	AV             string
	// DeviceCookie is the device cookie the edge must set ("" to leave it).
	DeviceCookie string
}

// Issued is a new challenge of a resend.
type Issued struct {
	ChallengeToken string
	Delivery       string
}

// Refusals of start and resend.
var (
	errNoCredential = refuse(Conflict, contract.CodeCredentialLocked,
		"the cardholder's authentication method is locked or not registered")
	errResendLimit = refuse(Limited, contract.CodeResendLimit,
		"%d new codes were sent for this purchase already; no more can be sent", purchase.Resends)
	errSendLimit = refuse(Limited, contract.CodeSendLimit,
		"too many codes were sent to this destination today; try again tomorrow or use another method")
	errNotFound   = refuse(NotFound, "not_found", "no such authentication")
	errFinal      = refuse(Conflict, contract.CodeAlreadyFinal, "the authentication has its outcome already")
	errSuperseded = refuse(Conflict, contract.CodeSuperseded, "gen is not the newest; a newer code was sent")
	errConflict   = refuse(Conflict, contract.CodeConflict, "the authentication changed meanwhile; retry")
)

// Start starts authentication id for the cardholder's browser. Every start
// counts against the authentication's rate (limits.StartBurst, then one per
// limits.StartRefill; past it a start_limit refusal): each may run the risk
// engine or send a code. The first start asks the risk engine: frictionless
// ends the authentication Y with an authentication value, deny ends it R,
// and neither sends a code; a card with no usable credential of its method
// (all locked) is denied. A challenge takes the next gen and issues the
// cardholder's method. A later start (a page reload) never re-rolls the
// decision and re-shows the newest challenge while it is valid — the same
// generation, the same code, nothing sent — and only past it issues anew.
//
// No code that did not reach the cardholder is ever usable: a send that
// failed or that the destination's daily cap refused gives a challenge that
// holds no code (delivery "failed": the screen offers Resend; "limited":
// nothing more can be sent today).
//
// A start answers within contract.IssuerDeadline, a code's send included
// (deliver), so the edge, which waits longer, always has its answer.
//
// The start's writes (its count, the decision's claim, the challenge, the
// delivery) wait for the disk together rather than each in turn
// (store.SyncLater): the challenge is on disk before its code is sent
// (deliver), and everything before the answer.
func (s *Service) Start(ctx context.Context, id string, sig Signals) (Started, error) {
	ctx, cancel := context.WithTimeout(ctx, s.deadlines.answer)
	defer cancel()
	ctx, durable := s.store.SyncLater(ctx)
	out, err := s.start(ctx, id, sig)
	if derr := durable(); derr != nil && err == nil {
		return Started{}, derr
	}
	return out, err
}

// start is Start under a context whose writes sync later.
func (s *Service) start(ctx context.Context, id string, sig Signals) (Started, error) {
	now := s.now()
	counted, err := s.store.CountStart(ctx, id, now, limits.StartBurst, limits.StartRefill)
	if err != nil {
		var sl *store.StartLimitError
		if errors.As(err, &sl) {
			r := refuse(Limited, contract.CodeStartLimit, "this authentication was started %d times in a row", limits.StartBurst)
			r.RetryAt = sl.RetryAt
			return Started{}, r
		}
		return Started{}, challengeError(err)
	}
	// The count read the authentication: it is the row this start goes
	// on with (no second read).
	a := counted.Authentication
	if a.Final() {
		return Started{}, errFinal
	}
	c, err := s.store.Cardholder(ctx, a.CardholderID)
	if err != nil {
		return Started{}, err
	}
	m := c.PreferredMethod
	impl, err := s.method(m)
	if err != nil {
		return Started{}, err
	}
	creds, err := impl.credentials(ctx, c, now)
	if err != nil {
		return Started{}, err
	}
	var setCookie string
	var pending *decision
	if a.Decision == "" {
		if len(creds) == 0 {
			c.OTPLocked = true // nothing to challenge with: the engine denies
		}
		sig = s.withPrepared(ctx, id, sig, counted.PreparedSignals)
		d, err := s.assessStart(ctx, a, c, sig, now, decideOptions{mint: true})
		if err != nil {
			return Started{}, err
		}
		if d.out.Decision != contract.DecisionChallenge {
			return s.recordDecision(ctx, a.ID, d, now)
		}
		// A challenge is recorded with its first challenge, in one
		// transaction (store.Challenge.Decision).
		setCookie, pending = d.out.DeviceCookie, &d
	}
	out, err := s.startChallenge(ctx, a, c, m, impl, creds, now, pending)
	out.DeviceCookie = setCookie
	return out, err
}

// withPrepared fills in the device signals Honnin.prepare recorded
// (stored, read with the start's count) when the start itself brought none.
func (s *Service) withPrepared(ctx context.Context, id string, sig Signals, stored string) Signals {
	if stored == "" || !reflect.DeepEqual(sig.Device, contract.DeviceSignals{}) {
		return sig
	}
	var dev contract.DeviceSignals
	if err := json.Unmarshal([]byte(stored), &dev); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "acs: prepared signals unreadable", slog.String("authentication", id), slog.Any("err", err))
		return sig
	}
	sig.Device = dev
	return sig
}

// startChallenge shows the challenge of a start decided as one: the code
// issued now, or the one of an earlier start reopened. pending is the
// first start's decision, recorded with the challenge it issues.
func (s *Service) startChallenge(ctx context.Context, a issuer.Authentication, c issuer.Cardholder, m issuer.Method,
	impl method, creds []issuer.Credential, now time.Time, pending *decision) (Started, error) {
	id := a.ID
	if len(creds) == 0 {
		if pending != nil {
			// Decided, with nothing to challenge with: the decision stays.
			if _, err := s.recordDecision(ctx, id, *pending, now); err != nil {
				return Started{}, err
			}
		}
		return Started{}, errNoCredential
	}
	if a.Gen > 0 && a.Method == m && pending == nil {
		if o, issued, ok := s.reopen(a, impl, creds, now); ok {
			token, err := s.mintChallenge(a, c, o, issued, now)
			if err != nil {
				return Started{}, err
			}
			delivery := contract.DeliveryNone
			if m.Sends() {
				delivery = contract.DeliverySent
			}
			return Started{Decision: contract.DecisionChallenge, ChallengeToken: token, Delivery: delivery}, nil
		}
	}
	if m.Sends() && a.Gen > purchase.Resends {
		// A reload after the code expired is a new send: the same cap
		// as Resend.
		return Started{}, errResendLimit
	}
	token, delivery, err := s.issue(ctx, a, c, m, impl, creds, now, true, func(ch store.Challenge) (issuer.Authentication, error) {
		if pending != nil {
			ch.Decision = &pending.rec
		}
		return s.store.StartChallengeAfter(ctx, id, a.Gen, ch, now)
	})
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrSuperseded) {
		// Another start decided or issued from the state this one read.
		return Started{}, startInFlight(now)
	}
	if err != nil {
		return Started{}, err
	}
	if pending != nil {
		s.decided(ctx, id, *pending)
	}
	return Started{Decision: contract.DecisionChallenge, ChallengeToken: token, Delivery: delivery}, nil
}

// issue draws a new challenge of method m for a, commits it (the store
// takes the next gen), sends its code and mints its token — after the
// send, so that the token holds the code only if it went out. The
// destination's daily cap is taken in the commit's transaction, so a
// refused send never supersedes the code the cardholder has: over the cap,
// a resend is refused (errSendLimit) and a start (first reaching for a
// code) shows the screen with no code in it (delivery "limited"), at the
// current gen if there is one, else at a new gen committed without a code.
func (s *Service) issue(ctx context.Context, a issuer.Authentication, c issuer.Cardholder, m issuer.Method, impl method,
	creds []issuer.Credential, now time.Time, start bool, commit func(store.Challenge) (issuer.Authentication, error)) (token, delivery string, err error) {
	o, avHash, err := s.newOffer(a, c, m, impl, creds, now)
	if err != nil {
		return "", "", err
	}
	delivery = contract.DeliveryNone
	var sendCap *store.SendCap
	if snd, ok := impl.(sender); ok {
		delivery = contract.DeliverySent
		sendCap = &store.SendCap{Dest: s.destHash(m, snd.address(c)), Kind: m, Window: purchase.Window, Limit: s.sendCap}
	}
	ch, err := s.record(a.ID, o, avHash, delivery == contract.DeliverySent)
	if err != nil {
		return "", "", err
	}
	ch.Send = sendCap
	got, err := commit(ch)
	if errors.Is(err, store.ErrSendCap) {
		// Nothing was recorded.
		if !start {
			return "", "", errSendLimit
		}
		delivery, o.code = contract.DeliveryLimited, ""
		if a.Gen > 0 {
			token, err := s.mintChallenge(a, c, o, now, now)
			return token, delivery, err
		}
		if ch, err = s.record(a.ID, o, avHash, false); err != nil {
			return "", "", err
		}
		got, err = commit(ch)
	}
	if err != nil {
		return "", "", err
	}
	a = got
	if delivery == contract.DeliverySent {
		if delivery, err = s.deliver(ctx, a, c, o); err != nil {
			return "", "", err
		}
		if delivery != contract.DeliverySent {
			o.code = "" // it never arrived: it must not be usable
		}
	}
	if token, err = s.mintChallenge(a, c, o, now, now); err != nil {
		return "", "", err
	}
	return token, delivery, nil
}

// destHash keys the send cap: a keyed hash, so the sends table holds no
// addresses or phone numbers.
func (s *Service) destHash(m issuer.Method, to string) []byte {
	return s.pseudo.Sum("dest", []byte(string(m)+":"+to))
}

// decideOptions bend the risk engine's outcome to the request: an EMV
// requestor's challenge mandate turns frictionless into a challenge, and
// a 3RI request (no cardholder present) can have no challenge, so it ends
// N instead.
type decideOptions struct {
	mustChallenge bool
	noChallenge   bool
	// mint: the browser sees the answer, so a device without a signed id
	// is given one (Started.DeviceCookie).
	mint bool
}

// decision is a first start's risk decision before it is recorded.
type decision struct {
	out  Started        // what the start answers
	rec  store.Decision // what the store records
	risk risk.Decision
}

// decide runs the risk decision for a's first start and records it. On
// frictionless or deny the outcome is final and Started says so.
func (s *Service) decide(ctx context.Context, a issuer.Authentication, c issuer.Cardholder, sig Signals, now time.Time, opt decideOptions) (Started, error) {
	d, err := s.assessStart(ctx, a, c, sig, now, opt)
	if err != nil {
		return Started{}, err
	}
	return s.recordDecision(ctx, a.ID, d, now)
}

// assessStart runs the risk decision for a's first start, bent by opt,
// without recording it.
func (s *Service) assessStart(ctx context.Context, a issuer.Authentication, c issuer.Cardholder, sig Signals, now time.Time, opt decideOptions) (decision, error) {
	d, rec, setCookie, err := s.assess(ctx, a, c, sig, now, opt.mint)
	if err != nil {
		return decision{}, err
	}
	if opt.mustChallenge && d.Outcome == risk.Frictionless {
		d.Outcome = risk.Challenge
	}
	rec.At = now
	var out Started
	switch {
	case d.Outcome == risk.Frictionless:
		av, avHash, err := s.mintAV(c.PANHMAC, a.Amount, a.Currency, contract.StatusAuthenticated, "", now)
		if err != nil {
			return decision{}, err
		}
		rec.Status, rec.AVHash = contract.StatusAuthenticated, avHash
		out = Started{Decision: contract.DecisionFrictionless, Status: rec.Status, AV: av}
	case d.Outcome == risk.Deny:
		rec.Status, rec.Reason = contract.StatusRejected, contract.ReasonSuspectedFraud
		out = Started{Decision: contract.DecisionDeny, Status: rec.Status, Reason: rec.Reason}
	case opt.noChallenge:
		rec.Status, rec.Reason = contract.StatusNotAuthenticated, ReasonNoCardholder
		out = Started{Decision: contract.DecisionDeny, Status: rec.Status, Reason: rec.Reason}
	default:
		rec.Status = contract.StatusChallenge
		out = Started{Decision: contract.DecisionChallenge}
	}
	out.DeviceCookie = setCookie
	return decision{out: out, rec: rec, risk: d}, nil
}

// recordDecision records d on authentication id on its own.
func (s *Service) recordDecision(ctx context.Context, id string, d decision, now time.Time) (Started, error) {
	if _, err := s.store.RecordDecision(ctx, id, d.rec); err != nil {
		if errors.Is(err, store.ErrConflict) {
			// Another start of this authentication decided first: one
			// start at a time.
			return Started{}, startInFlight(now)
		}
		return Started{}, challengeError(err)
	}
	s.decided(ctx, id, d)
	return d.out, nil
}

// decided logs and counts a recorded decision.
func (s *Service) decided(ctx context.Context, id string, d decision) {
	s.log.LogAttrs(ctx, slog.LevelInfo, "acs: risk decision", slog.String("authentication", id),
		slog.String("decision", d.risk.Outcome), slog.Int("score", d.risk.Score), slog.Any("reasons", d.risk.Reasons))
	s.observe.decided(d.out.Decision, d.risk.Reasons)
}

// Resend sends a new code of gen+1, only for the newest gen of an
// email/SMS challenge in progress, not sooner than purchase.Cooldown
// after the last code that was sent, at most
// purchase.Resends times, and within the destination's
// daily cap. Like Start it answers within contract.IssuerDeadline.
func (s *Service) Resend(ctx context.Context, id string, gen int) (Issued, error) {
	ctx, cancel := context.WithTimeout(ctx, s.deadlines.answer)
	defer cancel()
	if gen < 1 {
		return Issued{}, refuse(Invalid, "bad_request", "gen must be at least 1")
	}
	a, c, err := s.challengeable(ctx, id)
	if err != nil {
		return Issued{}, err
	}
	now := s.now()
	if !a.Method.Sends() {
		return Issued{}, refuse(Conflict, contract.CodeNotResendable, "a %s code is not sent, so it cannot be resent", a.Method)
	}
	m := c.PreferredMethod
	impl, err := s.method(m)
	if err != nil {
		return Issued{}, err
	}
	creds, err := impl.credentials(ctx, c, now)
	if err != nil {
		return Issued{}, err
	}
	if len(creds) == 0 || m != a.Method {
		return Issued{}, errNoCredential
	}
	// Checked early to spare the work of a new code; the store checks both
	// again atomically, before it takes the send cap.
	if gen == a.Gen && a.Resends >= purchase.Resends {
		return Issued{}, errResendLimit
	}
	if gen == a.Gen && !a.LastSentAt.IsZero() && now.Before(a.LastSentAt.Add(purchase.Cooldown)) {
		return Issued{}, cooldown(a.LastSentAt.Add(purchase.Cooldown))
	}
	token, delivery, err := s.issue(ctx, a, c, m, impl, creds, now, false, func(ch store.Challenge) (issuer.Authentication, error) {
		return s.store.Resend(ctx, id, gen, ch, now, purchase.Cooldown, purchase.Resends)
	})
	var cd *store.CooldownError
	if errors.As(err, &cd) {
		return Issued{}, cooldown(cd.RetryAt)
	}
	if err != nil {
		return Issued{}, challengeError(err)
	}
	return Issued{ChallengeToken: token, Delivery: delivery}, nil
}

// startInFlight refuses a start that ran into another start of the same
// authentication (two tabs, a script): it is counted like any start, and
// the one in flight answers; this one may try again in a second.
func startInFlight(now time.Time) *Refusal {
	r := refuse(Limited, contract.CodeStartLimit, "another start of this authentication is under way")
	r.RetryAt = now.Add(time.Second)
	return r
}

// cooldown refuses a resend before retryAt.
func cooldown(retryAt time.Time) *Refusal {
	r := refuse(Limited, contract.CodeResendCooldown, "a code was sent less than %s ago; retry after %s",
		purchase.Cooldown, retryAt.UTC().Format(time.RFC3339))
	r.RetryAt = retryAt
	return r
}

// challengeable loads an authentication that may be challenged, with its
// cardholder.
func (s *Service) challengeable(ctx context.Context, id string) (issuer.Authentication, issuer.Cardholder, error) {
	a, err := s.store.Authentication(ctx, id)
	if err != nil {
		return a, issuer.Cardholder{}, challengeError(err)
	}
	if a.Final() {
		return a, issuer.Cardholder{}, errFinal
	}
	c, err := s.store.Cardholder(ctx, a.CardholderID)
	return a, c, err
}

// challengeError maps the store's refusals of a start or resend.
func challengeError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errors.Is(err, store.ErrFinal):
		return errFinal
	case errors.Is(err, store.ErrSuperseded):
		return errSuperseded
	case errors.Is(err, store.ErrResendLimit):
		return errResendLimit
	case errors.Is(err, store.ErrConflict):
		return errConflict
	}
	return err
}
