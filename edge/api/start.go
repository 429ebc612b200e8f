package api

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/devicecookie"
	"github.com/honnin/honnin/edge/issuerclient"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/ledger"
)

// startRequest is the contract's body, with the check of decode.
type startRequest contract.ClientStartRequest

func (q *startRequest) missing() string {
	if q.SessionToken == "" {
		return "session_token"
	}
	return ""
}

// start opens the challenge for a session: the issuer decides (and sends
// the code), the edge opens the sealed payload for the personal message and
// shows the screen.
func (h *Handler) start(w http.ResponseWriter, r *http.Request) error {
	var req startRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Device != nil {
		if err := req.Device.Validate(); err != nil {
			return jsonapi.BadRequest("device: %v", err)
		}
	}
	ctx := r.Context()
	s, e, err := h.openSession(ctx, req.SessionToken)
	if err != nil {
		return err
	}
	if e.Finished {
		// A reload after the end, or a page that lost the answer: the
		// session's holder is the merchant page the result is for, so it
		// gets the result again, never a second one.
		if e.ResultToken != "" {
			return h.writeStored(w, e.ResultToken)
		}
		return errAlreadyUsed
	}
	sig := h.edgeSignals(r)
	out, err := h.issuer.Start(ctx, s.Subject, contract.StartRequest{Device: req.Device, Edge: &sig})
	if locked(err) {
		// The cardholder's credentials were locked since the decision:
		// the payment ends N credential_locked, the end state the client
		// shows for a lock (whom to call, the portal), never "issuer
		// unavailable", which would send the cardholder back to retry.
		return h.end(w, r, ending{authID: s.Subject, origin: s.MerchantOrigin, attempts: e.Attempts,
			status: contract.StatusNotAuthenticated, reason: contract.ReasonCredentialLocked})
	}
	if err != nil {
		return h.issuerFailed(w, r, s.Subject, err)
	}
	h.setDeviceCookie(w, r, s.Subject, out.DeviceCookie)
	switch out.Decision {
	case contract.DecisionChallenge:
		c, p, err := h.issued(out.ChallengeToken, s.Subject, s.MerchantOrigin, 0)
		if err != nil {
			return err
		}
		if answered, err := h.see(w, r, c, p); answered || err != nil {
			return err
		}
		screen := h.challengeScreen(out.ChallengeToken, c, p, e.Attempts, out.Delivery)
		screen.Issuer = h.contact(r, s.Subject, out.Issuer)
		jsonapi.Write(w, http.StatusOK, screen)
		return nil
	case contract.DecisionFrictionless, contract.DecisionDeny:
		if !contract.FinalStatus(out.Status) {
			return h.badIssuer(r, s.Subject, "start decision %q with status %q", out.Decision, out.Status)
		}
		screen, err := h.finish(context.WithoutCancel(ctx), ending{authID: s.Subject, origin: s.MerchantOrigin, attempts: e.Attempts,
			status: out.Status, reason: out.Reason, av: out.AV})
		if err != nil {
			return err
		}
		// A denied card's screen names whom to call.
		screen.Issuer = h.contact(r, s.Subject, out.Issuer)
		jsonapi.Write(w, http.StatusOK, screen)
		return nil
	default:
		return h.badIssuer(r, s.Subject, "unknown start decision %q", out.Decision)
	}
}

// contact is the issuer's contact of a start's answer for the screen, nil
// when the issuer sent none or one no screen should show (logged: the
// issuer's configuration is at fault, the cardholder still gets the
// screen, naming "your card issuer").
func (h *Handler) contact(r *http.Request, authID string, i *contract.Issuer) *contract.Issuer {
	if i == nil || i.IsZero() {
		return nil
	}
	if !i.Valid() {
		h.log.ErrorContext(r.Context(), "api: issuer's contact cannot be shown", "auth", authID)
		return nil
	}
	c := *i
	return &c
}

// issued verifies a challenge token the issuer just returned for authID and
// opens its seal. It must be for the same authentication and merchant
// origin, and newer than afterGen. Any fault is the issuer's: 502.
func (h *Handler) issued(token, authID, origin string, afterGen int) (*challenge.ChallengeClaims, challenge.Payload, error) {
	var c challenge.ChallengeClaims
	if err := h.issuerTokens().Verify(token, challenge.TypChallenge, &c); err != nil {
		h.log.Error("api: issuer returned an unusable challenge token", "auth", authID, "err", err)
		return nil, challenge.Payload{}, errIssuerUnavailable
	}
	if c.Subject != authID || c.MerchantOrigin != origin || c.Gen <= afterGen {
		h.log.Error("api: issuer returned a challenge token for something else", "auth", authID,
			"sub", c.Subject, "mo", c.MerchantOrigin, "want_mo", origin, "gen", c.Gen, "after_gen", afterGen)
		return nil, challenge.Payload{}, errIssuerUnavailable
	}
	p, err := h.keys.Seal.Open(c.Seal, c.ID)
	if err != nil {
		h.log.Error("api: issuer's seal does not open", "auth", authID, "err", err)
		return nil, challenge.Payload{}, errIssuerUnavailable
	}
	return &c, p, nil
}

// see records challenge c, just issued, in the ledger before anyone sees
// it: its gen supersedes the authentication's older tokens, its card seq
// every older challenge of the card. A challenge the ledger already knows
// to be superseded by the card's newer one ends here with N superseded
// (answered: the result screen is written); one overtaken by a resend is
// the client's to drop (409).
func (h *Handler) see(w http.ResponseWriter, r *http.Request, c *challenge.ChallengeClaims, p challenge.Payload) (answered bool, err error) {
	err = h.ledger.SeeChallenge(r.Context(), challengeOf(c, p))
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, ledger.ErrSuperseded):
		return false, errSuperseded
	case errors.Is(err, ledger.ErrFinished):
		return false, errAlreadyUsed
	case errors.Is(err, ledger.ErrCardSuperseded):
		e, lerr := h.ledger.Lookup(r.Context(), c.Subject)
		if lerr != nil {
			return false, lerr
		}
		return true, h.end(w, r, ending{authID: c.Subject, origin: c.MerchantOrigin, gen: c.Gen, attempts: e.Attempts,
			status: contract.StatusNotAuthenticated, reason: contract.ReasonSuperseded})
	}
	return false, err
}

// edgeSignals is what the edge saw of r's client for the issuer: the
// runtime's signals (Config.Signals) and the device cookie, passed on
// unread (edge/devicecookie drops one too long to pass).
func (h *Handler) edgeSignals(r *http.Request) contract.EdgeSignals {
	sig := h.signals(r)
	if err := sig.Validate(); err != nil {
		// The runtime's own data is out of bounds: drop it rather than fail
		// the cardholder.
		h.log.WarnContext(r.Context(), "api: edge signals out of bounds", "err", err)
		sig = contract.EdgeSignals{IP: peerIP(r)}
	}
	sig.DeviceCookie = devicecookie.Read(r)
	return sig
}

// setDeviceCookie sets the device cookie the issuer answered for authID, if
// any, on the response about to be written. A value no cookie can hold is
// the issuer's fault: logged, and the browser keeps what it has.
func (h *Handler) setDeviceCookie(w http.ResponseWriter, r *http.Request, authID, value string) {
	if value != "" && !devicecookie.Set(w, value) {
		h.log.ErrorContext(r.Context(), "api: issuer's device cookie is not a cookie value", "auth", authID, "len", len(value))
	}
}

// peerIP is the address of the connection's peer: the default when no
// Signals function is configured (proxy headers are then never believed).
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// locked reports whether err is the issuer's refusal of a start because
// the cardholder has no usable credential left (contract.CodeCredentialLocked).
func locked(err error) bool {
	var ie *issuerclient.Error
	return errors.As(err, &ie) && ie.Code == contract.CodeCredentialLocked
}
