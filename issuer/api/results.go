package api

import (
	"errors"
	"net/http"

	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/store"
)

type resultRequest struct {
	JTI      string `json:"jti"`
	Sub      string `json:"sub"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Gen      *int   `json:"gen"`
	Attempts int    `json:"attempts"`
}

type resultResponse struct {
	JTI string `json:"jti"`
	// Applied is false when the report was a repeat: the outcome was
	// recorded before.
	Applied bool `json:"applied"`
}

// results is POST /internal/v1/results: the edge's report of how an
// authentication ended. The same jti twice is answered 200 both times and
// applied once; a second, different outcome for the same authentication is
// 409.
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
	switch req.Status {
	case "Y", "N", "U", "A", "R":
	default:
		return jsonapi.BadRequest("status must be one of Y N U A R")
	}
	if why := checkText(req.JTI, 1, maxJTI); why != "" {
		return jsonapi.BadRequest("jti %s", why)
	}
	if why := checkText(req.Reason, 0, maxReason); why != "" {
		return jsonapi.BadRequest("reason %s", why)
	}
	if *req.Gen < 0 || req.Attempts < 0 {
		return jsonapi.BadRequest("gen and attempts must not be negative")
	}
	applied, err := s.store.RecordResult(r.Context(), store.Result{
		JTI: req.JTI, AuthenticationID: req.Sub, Status: req.Status, Reason: req.Reason,
		Gen: *req.Gen, Attempts: req.Attempts, ReceivedAt: s.now(),
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return jsonapi.Errorf(http.StatusNotFound, "not_found", "no such authentication")
	case errors.Is(err, store.ErrConflict):
		return jsonapi.Errorf(http.StatusConflict, "conflict", "the authentication has a different outcome, or the report contradicts it")
	case err != nil:
		return err
	}
	jsonapi.Write(w, http.StatusOK, resultResponse{JTI: req.JTI, Applied: applied})
	return nil
}
