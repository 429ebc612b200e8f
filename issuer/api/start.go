package api

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
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

// start is POST /internal/v1/authentications/{id}/start. The first start
// asks the risk engine: frictionless ends the authentication Y with an
// authentication value, deny ends it R, and neither sends a code. A
// challenge (and every later start of a challenged authentication: a page
// reload must not re-roll the decision) takes the next gen, mints a code
// and an authentication value, seals them into a challenge token and mails
// the code. A failed mail still returns the token (delivery "failed"): the
// authentication stays C and the cardholder can resend.
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
	a, c, err := s.challengeable(r, id)
	if err != nil {
		return err
	}
	now := s.now()
	if a.Decision == "" {
		done, err := s.decide(w, r, a, c, req, now)
		if err != nil || done {
			return err
		}
	}
	code := newCode()
	av, avHash := newAV()
	a, err = s.store.StartChallenge(r.Context(), id, methodEmail, avHash, now)
	if err != nil {
		return challengeError(err)
	}
	token, err := s.mintChallenge(a, c, code, av, now)
	if err != nil {
		return err
	}
	delivery, err := s.deliver(r.Context(), a, c, code)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, startResponse{Decision: "challenge", ChallengeToken: token, Delivery: delivery})
	return nil
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
// code of gen+1, only for the newest gen of a challenge in progress, and
// not sooner than resendCooldown after the last code that was sent.
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
	code := newCode()
	av, avHash := newAV()
	now := s.now()
	a, err = s.store.Resend(r.Context(), id, *req.Gen, avHash, now, resendCooldown)
	var cd *store.CooldownError
	if errors.As(err, &cd) {
		secs := int(math.Ceil(cd.RetryAt.Sub(now).Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		return jsonapi.Errorf(http.StatusTooManyRequests, "resend_cooldown", "a code was sent less than %s ago; retry after %s",
			resendCooldown, cd.RetryAt.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return challengeError(err)
	}
	token, err := s.mintChallenge(a, c, code, av, now)
	if err != nil {
		return err
	}
	delivery, err := s.deliver(r.Context(), a, c, code)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, resendResponse{ChallengeToken: token, Delivery: delivery})
	return nil
}

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
	case errors.Is(err, store.ErrConflict):
		return jsonapi.Errorf(http.StatusConflict, "conflict", "the authentication changed meanwhile; retry")
	}
	return err
}
