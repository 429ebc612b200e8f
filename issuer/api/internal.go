package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/acs"
)

// startRequest is what the edge knows of the cardholder's device and
// connection; the risk engine decides on it. Every field is optional.
type startRequest struct {
	Device *challenge.DeviceSignals `json:"device"`
	Edge   *challenge.EdgeSignals   `json:"edge"`
}

// signals refuses signals out of their limits, as the edge does.
func (q *startRequest) signals() (acs.Signals, error) {
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

// start is POST /internal/v1/authentications/{id}/start (acs.Service.Start).
func (s *Server) start(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.edgeCall(r, id); err != nil {
		return err
	}
	var req startRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	sig, err := req.signals()
	if err != nil {
		return err
	}
	out, err := s.acs.Start(r.Context(), id, sig)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, startResponse{Decision: out.Decision, ChallengeToken: out.ChallengeToken,
		Delivery: out.Delivery, Status: out.Status, Reason: out.Reason, AV: out.AV})
	return nil
}

type resendRequest struct {
	Gen *int `json:"gen"`
}

type resendResponse struct {
	ChallengeToken string `json:"challenge_token"`
	Delivery       string `json:"delivery"`
}

// resend is POST /internal/v1/authentications/{id}/resend {gen}
// (acs.Service.Resend).
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
	out, err := s.acs.Resend(r.Context(), id, *req.Gen)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, resendResponse{ChallengeToken: out.ChallengeToken, Delivery: out.Delivery})
	return nil
}

type passwordRequest struct {
	Gen      *int   `json:"gen"`
	Password string `json:"password"`
}

type passwordResponse struct {
	OK bool `json:"ok"`
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
	var req passwordRequest
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
	jsonapi.Write(w, http.StatusOK, passwordResponse{OK: ok})
	return nil
}

type resultRequest struct {
	JTI      string `json:"jti"`
	Sub      string `json:"sub"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Gen      *int   `json:"gen"`
	Attempts int    `json:"attempts"`
	Cred     string `json:"cred"`
	Step     int64  `json:"step"`
	Drift    int    `json:"drift"`
	// ResultToken is the result token the edge minted (not on C).
	ResultToken string `json:"result_token"`
}

type resultResponse struct {
	JTI string `json:"jti"`
	// Applied is false when the report was a repeat: the outcome was
	// recorded before.
	Applied bool `json:"applied"`
}

// results is POST /internal/v1/results: the edge's report of how an
// authentication ended, or (status C) of its wrong codes so far
// (acs.Service.RecordOutcome). The same jti twice is answered 200 both
// times and applied once; a second, different outcome is 409.
func (s *Server) results(w http.ResponseWriter, r *http.Request) error {
	if err := s.edgeCall(r, "results"); err != nil {
		return err
	}
	var req resultRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.JTI == "":
		return jsonapi.BadRequest("jti is required")
	case req.Sub == "":
		return jsonapi.BadRequest("sub is required")
	case req.Status == "":
		return jsonapi.BadRequest("status is required")
	case req.Gen == nil:
		return jsonapi.BadRequest("gen is required")
	}
	if why := checkText(req.JTI, 1, maxJTI); why != "" {
		return jsonapi.BadRequest("jti %s", why)
	}
	if why := checkText(req.Reason, 0, maxReason); why != "" {
		return jsonapi.BadRequest("reason %s", why)
	}
	if *req.Gen < 0 || req.Attempts < 0 || req.Step < 0 {
		return jsonapi.BadRequest("gen, attempts and step must not be negative")
	}
	if why := checkText(req.Cred, 0, maxJTI); why != "" {
		return jsonapi.BadRequest("cred %s", why)
	}
	if len(req.ResultToken) > maxResultToken {
		return jsonapi.BadRequest("result_token is longer than %d bytes", maxResultToken)
	}
	applied, err := s.acs.RecordOutcome(r.Context(), acs.Outcome{
		JTI: req.JTI, Authentication: req.Sub, Status: req.Status, Reason: req.Reason, Gen: *req.Gen,
		Attempts: req.Attempts, Cred: req.Cred, Step: req.Step, Drift: req.Drift, ResultToken: req.ResultToken,
	})
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, resultResponse{JTI: req.JTI, Applied: applied})
	return nil
}
