package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
)

// prepareRequest is the contract's body, with the check of decode.
type prepareRequest contract.ClientPrepareRequest

func (q *prepareRequest) missing() string {
	switch {
	case q.SessionToken == "":
		return "session_token"
	case q.Device == nil:
		return "device"
	}
	return ""
}

// prepare takes the device signals Honnin.prepare's hidden frame collected
// at the checkout page's load, before the challenge iframe: the issuer
// keeps them for the start (whose own may be missing) and answers the
// device cookie, which is set here, at the first request of the edge's
// frame in this site's partition. The session token is checked as start
// checks it, and an authentication with its result takes nothing more.
// 204, no body: the frame reports only whether it got one.
func (h *Handler) prepare(w http.ResponseWriter, r *http.Request) error {
	var req prepareRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := req.Device.Validate(); err != nil {
		return jsonapi.BadRequest("device: %v", err)
	}
	ctx := r.Context()
	s, e, err := h.openSession(ctx, req.SessionToken)
	if err != nil {
		return err
	}
	if e.Finished {
		return errAlreadyUsed
	}
	sig := h.edgeSignals(r)
	out, err := h.issuer.Prepare(ctx, s.Subject, contract.PrepareRequest{Device: req.Device, Edge: &sig})
	if err != nil {
		return h.issuerFailed(w, r, s.Subject, err)
	}
	h.setDeviceCookie(w, r, s.Subject, out.DeviceCookie)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
