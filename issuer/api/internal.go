package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/acs"
)

// signals refuses a start's signals out of their limits, as the edge does.
func signals(q contract.StartRequest) (acs.Signals, error) {
	var sig acs.Signals
	if q.Device != nil {
		if err := q.Device.Validate(); err != nil {
			return sig, jsonapi.BadRequest("device: %v", err)
		}
		sig.Device = *q.Device
	}
	if q.Edge != nil {
		if err := q.Edge.Validate(); err != nil {
			return sig, jsonapi.BadRequest("edge: %v", err)
		}
		sig.Edge = *q.Edge
	}
	return sig, nil
}

// start is POST /internal/v1/authentications/{id}/start (acs.Service.Start).
func (s *Server) start(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.edgeCall(r, id); err != nil {
		return err
	}
	var req contract.StartRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	sig, err := signals(req)
	if err != nil {
		return err
	}
	out, err := s.acs.Start(r.Context(), id, sig)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, contract.StartResponse{Decision: out.Decision, ChallengeToken: out.ChallengeToken,
		Delivery: out.Delivery, Status: out.Status, Reason: out.Reason, AV: out.AV, DeviceCookie: out.DeviceCookie,
		Issuer: contact(s.acs.ContactFor(r.Context(), id))})
	return nil
}

// resend is POST /internal/v1/authentications/{id}/resend {gen}
// (acs.Service.Resend).
func (s *Server) resend(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.edgeCall(r, id); err != nil {
		return err
	}
	var req contract.ResendRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Gen == nil {
		return jsonapi.BadRequest("gen is required")
	}
	out, err := s.acs.Resend(r.Context(), id, *req.Gen)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, contract.ResendResponse{ChallengeToken: out.ChallengeToken, Delivery: out.Delivery})
	return nil
}

// password is POST /internal/v1/authentications/{id}/password: the edge
// relays the static password typed for the newest gen of a password
// challenge (acs.Service.CheckPassword). The password goes nowhere else,
// not even to the log.
func (s *Server) password(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.edgeCall(r, id); err != nil {
		return err
	}
	var req contract.PasswordRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.Gen == nil:
		return jsonapi.BadRequest("gen is required")
	case req.Password == "":
		return jsonapi.BadRequest("password is required")
	}
	ok, err := s.acs.CheckPassword(r.Context(), id, *req.Gen, req.Password)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, contract.PasswordResponse{OK: &ok})
	return nil
}

// results is POST /internal/v1/results: the edge's report of how an
// authentication ended, or (status C) of its wrong codes so far
// (acs.Service.RecordOutcome). The same jti twice is answered 200 both
// times and applied once; a second, different outcome is 409. The edge
// sends most outcomes in batches (resultsBatch); this is the one a request
// delivers after its response.
func (s *Server) results(w http.ResponseWriter, r *http.Request) error {
	if err := s.edgeCall(r, contract.SubjectResults); err != nil {
		return err
	}
	var req contract.Outcome
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	o, err := checkOutcome(req)
	if err != nil {
		return err
	}
	applied, err := s.acs.RecordOutcome(r.Context(), o)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, contract.OutcomeResponse{JTI: req.JTI, Applied: applied})
	return nil
}

// checkOutcome refuses (400) an outcome without its required fields or
// out of the bounds of each, and returns it for acs.Service.RecordOutcome.
func checkOutcome(req contract.Outcome) (acs.Outcome, error) {
	switch {
	case req.JTI == "":
		return acs.Outcome{}, jsonapi.BadRequest("jti is required")
	case req.Sub == "":
		return acs.Outcome{}, jsonapi.BadRequest("sub is required")
	case req.Status == "":
		return acs.Outcome{}, jsonapi.BadRequest("status is required")
	case req.Gen == nil:
		return acs.Outcome{}, jsonapi.BadRequest("gen is required")
	}
	if why := checkText(req.JTI, 1, maxJTI); why != "" {
		return acs.Outcome{}, jsonapi.BadRequest("jti %s", why)
	}
	if why := checkText(req.Reason, 0, maxReason); why != "" {
		return acs.Outcome{}, jsonapi.BadRequest("reason %s", why)
	}
	if *req.Gen < 0 || req.Attempts < 0 || req.Step < 0 {
		return acs.Outcome{}, jsonapi.BadRequest("gen, attempts and step must not be negative")
	}
	if why := checkText(req.Cred, 0, maxJTI); why != "" {
		return acs.Outcome{}, jsonapi.BadRequest("cred %s", why)
	}
	if len(req.ResultToken) > maxResultToken {
		return acs.Outcome{}, jsonapi.BadRequest("result_token is longer than %d bytes", maxResultToken)
	}
	return acs.Outcome{
		JTI: req.JTI, Authentication: req.Sub, Status: req.Status, Reason: req.Reason, Gen: *req.Gen,
		Attempts: req.Attempts, Cred: req.Cred, Step: req.Step, Drift: req.Drift, ResultToken: req.ResultToken,
	}, nil
}

// contact is the issuer's contact for a start's answer, nil when it names
// nothing.
func contact(c contract.Issuer) *contract.Issuer {
	if c.IsZero() {
		return nil
	}
	return &c
}
