package api

import (
	"errors"
	"net/http"

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
	if err := decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.JTI == "":
		return badRequest("jti is required")
	case req.Sub == "":
		return badRequest("sub is required")
	case req.Status == "":
		return badRequest("status is required")
	case req.Gen == nil:
		return badRequest("gen is required")
	}
	switch req.Status {
	case "Y", "N", "U", "A", "R":
	default:
		return badRequest("status must be one of Y N U A R")
	}
	if why := checkText(req.JTI, 1, maxJTI); why != "" {
		return badRequest("jti %s", why)
	}
	if why := checkText(req.Reason, 0, maxReason); why != "" {
		return badRequest("reason %s", why)
	}
	if *req.Gen < 0 || req.Attempts < 0 {
		return badRequest("gen and attempts must not be negative")
	}
	applied, err := s.store.RecordResult(r.Context(), store.Result{
		JTI: req.JTI, AuthenticationID: req.Sub, Status: req.Status, Reason: req.Reason,
		Gen: *req.Gen, Attempts: req.Attempts, ReceivedAt: s.now(),
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errorf(http.StatusNotFound, "not_found", "no such authentication")
	case errors.Is(err, store.ErrConflict):
		return errorf(http.StatusConflict, "conflict", "the authentication has a different outcome, or the report contradicts it")
	case err != nil:
		return err
	}
	writeJSON(w, http.StatusOK, resultResponse{JTI: req.JTI, Applied: applied})
	return nil
}
