package shop

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"

	"github.com/honnin/honnin/edge/merchant"
)

// csrfHeader carries the CSRF token on the checkout script's fetch.
const csrfHeader = "X-CSRF-Token"

type completeRequest struct {
	Order       string `json:"order"`
	ResultToken string `json:"result_token"`
}

type completeResponse struct {
	Paid     bool   `json:"paid"`
	Status   string `json:"status,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Redirect string `json:"redirect"`
}

// complete takes the result token the challenge posted to the page, and
// decides, on the server, whether the order is paid: the token must be
// genuine, addressed to this shop, for the authentication this order
// created, and the first result for the order.
func (s *Shop) complete(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		// A cross-site form can send text/plain without a preflight; it
		// cannot send application/json.
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send application/json"})
		return
	}
	sid := s.sessions.id(r)
	if !s.sessions.checkCSRF(sid, r.Header.Get(csrfHeader)) {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusForbidden, Code: "csrf", Message: "missing or invalid CSRF token; reload the order page"})
		return
	}
	req, status, code, msg := decodeComplete(r)
	if status != 0 {
		jsonapi.WriteError(w, &jsonapi.Error{Status: status, Code: code, Message: msg})
		return
	}
	ord, ok := s.orders.get(req.Order, sid)
	if !ok {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusNotFound, Code: "unknown_order", Message: "no such order in this session"})
		return
	}
	if ord.Stage == completed {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusConflict, Code: "already_completed", Message: "this order already has a result"})
		return
	}
	if ord.Stage != awaiting {
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusConflict, Code: "not_awaiting", Message: "this order is not waiting for an authentication"})
		return
	}

	res, err := s.verifier.Verify(r.Context(), req.ResultToken, ord.AuthenticationID)
	if err != nil {
		log := s.log.With("order", ord.ID, "authentication", ord.AuthenticationID, "err", err)
		switch {
		case errors.Is(err, merchant.ErrKeysUnavailable):
			log.Error("shop: cannot verify a result: issuer keys unavailable")
			jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusBadGateway, Code: "issuer_unavailable", Message: "the card issuer's keys could not be fetched; try again in a moment"})
		case errors.Is(err, merchant.ErrWrongAuthentication):
			log.Warn("shop: result token for another authentication")
			jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusBadRequest, Code: "wrong_authentication", Message: "this result token belongs to another purchase"})
		case errors.Is(err, merchant.ErrExpired):
			log.Info("shop: expired result token")
			jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusBadRequest, Code: "expired_token", Message: "the result token has expired; start the checkout again"})
		default:
			log.Warn("shop: invalid result token")
			jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusBadRequest, Code: "invalid_token", Message: "the result token is not valid for this shop"})
		}
		return
	}
	if res.Status == contract.StatusChallenge {
		// A challenge is not an outcome; it must not close the order.
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusBadRequest, Code: "not_final", Message: "the result token carries no final status"})
		return
	}

	ord, err = s.orders.complete(ord.ID, sid, res)
	switch {
	case errors.Is(err, errAlreadyCompleted):
		// Lost a race with another /complete for the same order.
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusConflict, Code: "already_completed", Message: "this order already has a result"})
		return
	case err != nil:
		s.log.Error("shop: complete order", "order", req.Order, "err", err)
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusConflict, Code: "not_awaiting", Message: "this order is not waiting for an authentication"})
		return
	}
	s.log.Info("shop: order completed", "order", ord.ID, "authentication", ord.AuthenticationID,
		"status", ord.Status, "reason", ord.Reason, "eci", ord.ECI, "result", ord.ResultID, "paid", ord.Paid)
	out := completeResponse{Paid: ord.Paid, Redirect: "/orders/" + ord.ID}
	if !ord.Paid {
		out.Status, out.Reason = ord.Status, ord.Reason
	}
	jsonapi.Write(w, http.StatusOK, out)
}

// decodeComplete reads the body strictly: one JSON object, both fields,
// nothing else. A non-zero status is the error to answer with.
func decodeComplete(r *http.Request) (req completeRequest, status int, code, msg string) {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return req, http.StatusRequestEntityTooLarge, "too_large", "body over 64 KiB"
		}
		return req, http.StatusBadRequest, "bad_request", "body must be {\"order\":\"...\",\"result_token\":\"...\"}: " + err.Error()
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, http.StatusBadRequest, "bad_request", "trailing data after the JSON object"
	}
	if req.Order == "" || req.ResultToken == "" {
		return req, http.StatusBadRequest, "bad_request", "order and result_token are required"
	}
	return req, 0, "", ""
}
