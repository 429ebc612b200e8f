package api

import (
	"errors"
	"net/http"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/acs"
)

// emvChallenge is POST /internal/v1/emv/challenges/{acsTransID}: a browser
// posted a CReq to the edge (acs.Service.OpenEMVChallenge). The answer is
// a session token, or the message that ends the challenge in the
// requestor's page (an Erro, or the final CRes again for a challenge that
// has its outcome).
func (s *Server) emvChallenge(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("acsTransID")
	if err := s.edgeCall(r, id); err != nil {
		return err
	}
	var req contract.EMVChallengeRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.ThreeDSServerTransID == "" || req.MessageVersion == "" {
		return jsonapi.BadRequest("threeDSServerTransID and messageVersion are required")
	}
	if _, ok := emv3ds.WindowSizes[req.ChallengeWindowSize]; !ok {
		return jsonapi.BadRequest("challengeWindowSize must be 01 to 05")
	}
	o, err := s.acs.OpenEMVChallenge(r.Context(), acs.CReq{ACSTransID: id, ServerTransID: req.ThreeDSServerTransID,
		MessageVersion: req.MessageVersion, WindowSize: req.ChallengeWindowSize})
	if err != nil {
		return err
	}
	if o.Problem == "" {
		jsonapi.Write(w, http.StatusOK, contract.EMVChallengeResponse{SessionToken: o.SessionToken})
		return nil
	}
	msg, err := creqAnswer(o)
	if err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, contract.EMVChallengeResponse{NotificationURL: o.Txn.NotificationURL, Message: msg})
	return nil
}

// creqAnswer is the base64url message that ends a CReq the challenge
// cannot follow, for the requestor's notificationURL.
func creqAnswer(o acs.Opened) (string, error) {
	t := o.Txn
	if o.Problem == acs.CReqFinal {
		// The challenge ended already (a second CReq after the end): the
		// final CRes again, Y only for Y.
		status := emv3ds.StatusN
		if o.Authentication.Status == contract.StatusAuthenticated {
			status = emv3ds.StatusY
		}
		return emv3ds.Encode(emv3ds.CRes{MessageType: emv3ds.TypeCRes, MessageVersion: t.MessageVersion,
			ThreeDSServerTransID: t.ServerTransID, ACSTransID: t.ACSTransID, ChallengeCompletionInd: "Y", TransStatus: status})
	}
	var code, detail string
	switch o.Problem {
	case acs.CReqTooLate:
		code, detail = emv3ds.ErrTimedOut, "the CReq reached the ACS more than 30 seconds after the ARes, or the challenge timed out"
	case acs.CReqVersionMismatch:
		code, detail = emv3ds.ErrVersion, "messageVersion is not the ARes's "+t.MessageVersion
	case acs.CReqMismatch, acs.CReqNoChallenge:
		code, detail = emv3ds.ErrTransactionUnknown, "threeDSServerTransID or acsTransID does not name a challenge of this ACS"
	default:
		return "", errors.New("api: CReq problem " + o.Problem + " has no answer")
	}
	e := emv3ds.Refuse(emv3ds.TypeCReq, t.MessageVersion, code, detail)
	e.ThreeDSServerTransID, e.ACSTransID, e.DSTransID = t.ServerTransID, t.ACSTransID, t.DSTransID
	return emv3ds.Encode(e)
}

// emvMethod is POST /internal/v1/emv/methods/{threeDSServerTransID}: the
// 3DS Method page's device data (acs.Service.RecordEMVMethod). 204.
func (s *Server) emvMethod(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("threeDSServerTransID")
	if err := s.edgeCall(r, id); err != nil {
		return err
	}
	var req contract.EMVMethodRequest
	if err := jsonapi.Decode(w, r, &req); err != nil {
		return err
	}
	if len(id) > 64 {
		return jsonapi.BadRequest("threeDSServerTransID is too long")
	}
	sig, err := signals(contract.StartRequest{Device: req.Device, Edge: req.Edge})
	if err != nil {
		return err
	}
	if err := s.acs.RecordEMVMethod(r.Context(), id, sig); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
