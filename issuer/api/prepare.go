package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
)

// prepare is POST /internal/v1/authentications/{id}/prepare: the device
// signals of Honnin.prepare's hidden frame, before the start
// (acs.Service.Prepare). The answer is the device cookie for the edge to
// set, always 200 with a body (the edge reads one), also when the
// authentication was decided meanwhile.
func (s *Server) prepare(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.edgeCall(r, id); err != nil {
		return err
	}
	var req contract.PrepareRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Device == nil {
		return jsonapi.BadRequest("device is required")
	}
	sig, err := signals(contract.StartRequest{Device: req.Device, Edge: req.Edge})
	if err != nil {
		return err
	}
	cookie, err := s.acs.Prepare(r.Context(), id, sig)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, contract.PrepareResponse{DeviceCookie: cookie})
	return nil
}
