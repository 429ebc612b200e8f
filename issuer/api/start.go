package api

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/issuer/risk"
	"github.com/honnin/honnin/issuer/store"
)

// startRequest is what the edge knows of the cardholder's device and
// connection; the risk engine decides on it. Every field is optional.
type startRequest struct {
	Device *challenge.DeviceSignals `json:"device"`
	Edge   *challenge.EdgeSignals   `json:"edge"`
}

// validate refuses signals out of their limits, as the edge does.
func (q *startRequest) validate() error {
	if q.Device != nil {
		if err := q.Device.Validate(); err != nil {
			return jsonapi.BadRequest("device: %v", err)
		}
	}
	if q.Edge != nil {
		if err := q.Edge.Validate(); err != nil {
			return jsonapi.BadRequest("edge: %v", err)
		}
	}
	return nil
}

// startResponse is the edge's api.StartResponse: a challenge carries the
// token, frictionless and deny the status (and av, reason) the edge puts
// into the result token it mints.
type startResponse struct {
	Decision       string `json:"decision"`
	ChallengeToken string `json:"challenge_token,omitempty"`
	Delivery       string `json:"delivery,omitempty"`
	Status         string `json:"status,omitempty"`
	Reason         string `json:"reason,omitempty"`
	AV             string `json:"av,omitempty"`
}

// start is POST /internal/v1/authentications/{id}/start. Every start counts
// against the authentication's rate (limits.StartBurst, then one per
// limits.StartRefill; past it 429 start_limit): each may run the risk
// engine or send a code. The first start asks the risk engine: frictionless
// ends the authentication Y with an authentication value, deny ends it R,
// and neither sends a code; a card with no usable credential of its method
// (all locked) is denied. A challenge takes the next gen and issues the
// cardholder's method: a code by mail or SMS, or the app's or tokens' TOTP
// codes, or the password. A later start (a page reload) never re-rolls the
// decision and re-shows the newest challenge while it is valid — the same
// generation, the same code, nothing sent — and only past it issues anew.
//
// No code that did not reach the cardholder is ever usable: a send that
// failed or that the destination's daily cap refused gives a challenge that
// holds no code (delivery "failed": the screen offers Resend; "limited":
// nothing more can be sent today).
func (s *Server) start(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.edgeCall(r, id); err != nil {
		return err
	}
	var req startRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	ctx, now := r.Context(), s.now()
	if err := s.store.CountStart(ctx, id, now, limits.StartBurst, limits.StartRefill); err != nil {
		var sl *store.StartLimitError
		if errors.As(err, &sl) {
			secs := int(math.Ceil(sl.RetryAt.Sub(now).Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			return jsonapi.Errorf(http.StatusTooManyRequests, "start_limit",
				"this authentication was started %d times in a row; the next start is allowed in %d s", limits.StartBurst, max(secs, 1))
		}
		return challengeError(err)
	}
	a, c, err := s.challengeable(r, id)
	if err != nil {
		return err
	}
	method, creds, err := s.usable(ctx, c, now)
	if err != nil {
		return err
	}
	if a.Decision == "" {
		if len(creds) == 0 {
			c.OTPLocked = true // nothing to challenge with: the engine denies
		}
		done, err := s.decide(w, r, a, c, req, now)
		if err != nil || done {
			return err
		}
	}
	if len(creds) == 0 {
		return errNoCredential
	}
	if a.Gen > 0 && a.Method == method {
		if o, issued, ok := s.reopen(a, creds, now); ok {
			token, err := s.mintChallenge(a, c, o, issued, now)
			if err != nil {
				return err
			}
			delivery := deliveryNone
			if sends(method) {
				delivery = deliverySent
			}
			jsonapi.Write(w, http.StatusOK, startResponse{Decision: "challenge", ChallengeToken: token, Delivery: delivery})
			return nil
		}
	}
	if sends(method) && a.Gen > maxResends {
		// A reload after the code expired is a new send: the same cap
		// as Resend.
		return errResendLimit
	}
	token, delivery, err := s.issue(ctx, a, c, method, creds, now, true, func(ch store.Challenge) (store.Authentication, error) {
		return s.store.StartChallengeAfter(ctx, id, a.Gen, ch, now)
	})
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrSuperseded) {
		// Another start issued from the state this one read.
		return startInFlight(w)
	}
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, startResponse{Decision: "challenge", ChallengeToken: token, Delivery: delivery})
	return nil
}

// issue draws a new challenge of method for a, commits it (the store takes
// the next gen), sends its code and mints its token — after the send, so
// that the token holds the code only if it went out. The destination's
// daily cap is taken before the commit, so a refused send never supersedes
// the code the cardholder has: over the cap, a resend is refused
// (errSendLimit) and a start (first reaching for a code) shows the screen
// with no code in it (delivery "limited"), at the current gen if there is
// one.
func (s *Server) issue(ctx context.Context, a store.Authentication, c store.Cardholder, method string,
	creds []store.Credential, now time.Time, start bool, commit func(store.Challenge) (store.Authentication, error)) (token, delivery string, err error) {
	o, avHash := newOffer(method, creds)
	delivery = deliveryNone
	if sends(method) {
		delivery = deliverySent
		ok, err := s.store.ReserveSend(ctx, s.destHash(method, destination(method, c)), method, a.ID, now, sendWindow, s.sendCap)
		if err != nil {
			return "", "", err
		}
		if !ok {
			if !start {
				return "", "", errSendLimit
			}
			delivery, o.code = deliveryLimited, ""
			if a.Gen > 0 {
				token, err := s.mintChallenge(a, c, o, now, now)
				return token, delivery, err
			}
		}
	}
	ch, err := s.record(a.ID, o, avHash, delivery == deliverySent)
	if err != nil {
		return "", "", err
	}
	a, err = commit(ch)
	if err != nil {
		return "", "", err
	}
	if delivery == deliverySent {
		if delivery, err = s.deliver(ctx, a, c, o); err != nil {
			return "", "", err
		}
		if delivery != deliverySent {
			o.code = "" // it never arrived: it must not be usable
		}
	}
	if token, err = s.mintChallenge(a, c, o, now, now); err != nil {
		return "", "", err
	}
	return token, delivery, nil
}

// decide runs the risk decision for a's first start and records it. On
// frictionless or deny it answers the edge and reports done.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, a store.Authentication, c store.Cardholder,
	req startRequest, now time.Time) (done bool, err error) {
	var dev challenge.DeviceSignals
	var edge challenge.EdgeSignals
	if req.Device != nil {
		dev = *req.Device
	}
	if req.Edge != nil {
		edge = *req.Edge
	}
	d, rec, err := s.assess(r.Context(), a, c, dev, edge, now)
	if err != nil {
		return false, err
	}
	rec.At = now
	var resp startResponse
	switch d.Outcome {
	case risk.Frictionless:
		av, avHash := newAV()
		rec.Status, rec.AVHash = challenge.StatusAuthenticated, avHash
		resp = startResponse{Decision: risk.Frictionless, Status: rec.Status, AV: av}
	case risk.Deny:
		rec.Status, rec.Reason = challenge.StatusRejected, reasonSuspectedFraud
		resp = startResponse{Decision: risk.Deny, Status: rec.Status, Reason: rec.Reason}
	default:
		rec.Status = challenge.StatusChallenge
	}
	if _, err := s.store.RecordDecision(r.Context(), a.ID, rec); err != nil {
		if errors.Is(err, store.ErrConflict) {
			// Another start of this authentication decided first: one
			// start at a time.
			return false, startInFlight(w)
		}
		return false, challengeError(err)
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "api: risk decision", slog.String("authentication", a.ID),
		slog.String("decision", d.Outcome), slog.Int("score", d.Score), slog.Any("reasons", d.Reasons))
	if d.Outcome == risk.Challenge {
		return false, nil
	}
	jsonapi.Write(w, http.StatusOK, resp)
	return true, nil
}

type resendRequest struct {
	Gen *int `json:"gen"`
}

type resendResponse struct {
	ChallengeToken string `json:"challenge_token"`
	Delivery       string `json:"delivery"`
}

// resend is POST /internal/v1/authentications/{id}/resend {gen}: a new
// code of gen+1, only for the newest gen of an email/SMS challenge in
// progress, not sooner than resendCooldown after the last code that was
// sent, at most maxResends times, and within the destination's daily cap.
func (s *Server) resend(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.edgeCall(r, id); err != nil {
		return err
	}
	var req resendRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Gen == nil {
		return jsonapi.BadRequest("gen is required")
	}
	if *req.Gen < 1 {
		return jsonapi.BadRequest("gen must be at least 1")
	}
	a, c, err := s.challengeable(r, id)
	if err != nil {
		return err
	}
	ctx, now := r.Context(), s.now()
	if !sends(a.Method) {
		return jsonapi.Errorf(http.StatusConflict, "not_resendable", "a %s code is not sent, so it cannot be resent", a.Method)
	}
	method, creds, err := s.usable(ctx, c, now)
	if err != nil {
		return err
	}
	if len(creds) == 0 || method != a.Method {
		return errNoCredential
	}
	// Checked before the send cap is taken, so an early click does not use
	// up the day's sends; the store checks both again atomically.
	if *req.Gen == a.Gen && a.Resends >= maxResends {
		return errResendLimit
	}
	if *req.Gen == a.Gen && !a.LastSentAt.IsZero() && now.Before(a.LastSentAt.Add(resendCooldown)) {
		return cooldown(w, a.LastSentAt.Add(resendCooldown), now)
	}
	token, delivery, err := s.issue(ctx, a, c, method, creds, now, false, func(ch store.Challenge) (store.Authentication, error) {
		return s.store.Resend(ctx, id, *req.Gen, ch, now, resendCooldown, maxResends)
	})
	var cd *store.CooldownError
	if errors.As(err, &cd) {
		return cooldown(w, cd.RetryAt, now)
	}
	if err != nil {
		return challengeError(err)
	}
	jsonapi.Write(w, http.StatusOK, resendResponse{ChallengeToken: token, Delivery: delivery})
	return nil
}

// startInFlight is the 429 for a start that ran into another start of the
// same authentication (two tabs, a script): it is counted like any start,
// and the one in flight answers; this one may try again in a second.
func startInFlight(w http.ResponseWriter) error {
	w.Header().Set("Retry-After", "1")
	return jsonapi.Errorf(http.StatusTooManyRequests, "start_limit", "another start of this authentication is under way; try again in 1 s")
}

// cooldown is the 429 for a resend before retryAt.
func cooldown(w http.ResponseWriter, retryAt, now time.Time) error {
	secs := int(math.Ceil(retryAt.Sub(now).Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return jsonapi.Errorf(http.StatusTooManyRequests, "resend_cooldown", "a code was sent less than %s ago; retry after %s",
		resendCooldown, retryAt.UTC().Format(time.RFC3339))
}

var (
	errResendLimit = jsonapi.Errorf(http.StatusTooManyRequests, "resend_limit",
		"%d new codes were sent for this purchase already; no more can be sent", maxResends)
	errSendLimit = jsonapi.Errorf(http.StatusTooManyRequests, "send_limit",
		"too many codes were sent to this destination today; try again tomorrow or use another method")
)

// challengeable loads an authentication that may be challenged, with its
// cardholder.
func (s *Server) challengeable(r *http.Request, id string) (store.Authentication, store.Cardholder, error) {
	a, err := s.store.Authentication(r.Context(), id)
	if err != nil {
		return a, store.Cardholder{}, challengeError(err)
	}
	if a.Final() {
		return a, store.Cardholder{}, challengeError(store.ErrFinal)
	}
	c, err := s.store.Cardholder(r.Context(), a.CardholderID)
	if err != nil {
		return a, c, err
	}
	return a, c, nil
}

// challengeError maps the store's refusals of a start or resend.
func challengeError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return jsonapi.Errorf(http.StatusNotFound, "not_found", "no such authentication")
	case errors.Is(err, store.ErrFinal):
		return jsonapi.Errorf(http.StatusConflict, "already_final", "the authentication has its outcome already")
	case errors.Is(err, store.ErrSuperseded):
		return jsonapi.Errorf(http.StatusConflict, "superseded", "gen is not the newest; a newer code was sent")
	case errors.Is(err, store.ErrResendLimit):
		return errResendLimit
	case errors.Is(err, store.ErrConflict):
		return jsonapi.Errorf(http.StatusConflict, "conflict", "the authentication changed meanwhile; retry")
	}
	return err
}
