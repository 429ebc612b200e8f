package view

import (
	"encoding/base64"
	"errors"
	"strings"

	"github.com/honnin/honnin/edge/contract"
)

// Mode is how the client runs on the page that loaded it.
type Mode int

const (
	// MerchantMode: the iframe of a merchant's page; the result goes to
	// that page by postMessage (TargetOrigin). The default.
	MerchantMode Mode = iota
	// EMVMode: the challenge of an EMV 3-D Secure transaction, framed by
	// the 3DS Requestor's page; the end goes to the edge by a form POST
	// (EMVEnd), whose answer posts the final CRes on.
	EMVMode
	// MethodMode: the edge's 3DS Method page; the client collects the
	// device signals, posts them (MethodDevice), and says it is done.
	MethodMode
	// PrepareMode: the hidden frame of Honnin.prepare, the challenge page
	// with mode=prepare in its URL; the client collects the device signals,
	// posts them (Prepare), and tells the merchant page it is done
	// (PrepareTarget). It shows nothing.
	PrepareMode
)

// PrepareParam is the challenge page's query parameter, and its value,
// that run the client in PrepareMode: honnin.js opens its hidden frame at
// /challenge?st=<session token>&mode=prepare.
const (
	PrepareParam = "mode"
	PrepareValue = "prepare"
)

// ModeOf decides the client's mode from what its page carries: a method
// token (only the edge's 3DS Method page has one), else the session token
// of its URL, whose claims say whether the session is an EMV one (an "emv"
// object), and the URL's PrepareParam (pageMode). The token's signature is
// not checked here, as in TargetOrigin: the edge verified it before it
// served the page, and gave the page the CSP of the same mode (an EMV page
// may submit a form to the edge alone, a merchant's page no form at all),
// so a page cannot be talked into the other mode's way of ending. A token
// that does not decode is a merchant session, which then fails as it does
// today. Prepare is a merchant page's: on an EMV session, whose device
// data the 3DS Method collects, pageMode is ignored and the challenge
// runs.
func ModeOf(methodToken, sessionToken, pageMode string) Mode {
	if methodToken != "" {
		return MethodMode
	}
	mode := MerchantMode
	if claims, err := decodeClaims(sessionToken); err == nil && claims.emv {
		mode = EMVMode
	}
	if mode == MerchantMode && pageMode == PrepareValue {
		return PrepareMode
	}
	return mode
}

// decodeClaims decodes a session token's (a compact JWS's) claims,
// unverified.
func decodeClaims(token string) (sessionClaims, error) {
	if len(token) > maxSessionToken {
		return sessionClaims{}, errors.New("view: session token too long")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[1] == "" {
		return sessionClaims{}, errors.New("view: session token is not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return sessionClaims{}, errors.New("view: session token payload: " + err.Error())
	}
	claims, err := readSessionClaims(payload)
	if err != nil {
		return sessionClaims{}, errors.New("view: session token claims: malformed JSON, or a claim of the wrong type")
	}
	return claims, nil
}

// Form is a form the client submits (a top-level navigation of its frame):
// POST to Action with Fields, in order.
type Form struct {
	Action string
	Fields [][2]string
}

// EMVEnd is the form that ends an EMV challenge, once the flow has ended
// (Model.Result): the session token and session data of the page's URL
// (st, sd), and how it ended. The edge takes the outcome from its ledger;
// end only says why an authentication still without one ends now: a
// cancel, the challenge's timeout (the session or challenge expired), or
// done — every other end, the edge's result or a failure, on which the
// edge keeps the result it has and gives N timed_out to one without.
func EMVEnd(sessionToken, sessionData string, phase Phase, r contract.Result) Form {
	end := contract.EMVEndDone
	switch {
	case phase == Done && r.Reason == contract.ReasonCancelled:
		end = contract.EMVEndCancel
	case phase == Failed && r.Reason == "expired":
		end = contract.EMVEndTimeout
	}
	f := Form{Action: contract.EMVCResPath, Fields: [][2]string{{"st", sessionToken}}}
	if sessionData != "" {
		f.Fields = append(f.Fields, [2]string{"sd", sessionData})
	}
	f.Fields = append(f.Fields, [2]string{"end", end})
	return f
}

// MethodDevice is the 3DS Method page's one request: its method token and
// the device signals, brought within the edge's limits.
func MethodDevice(methodToken string, d contract.DeviceSignals) (Request, error) {
	if methodToken == "" {
		return Request{}, errors.New("view: no method token")
	}
	d = d.WithinLimits()
	body, err := writeMethodDevice(contract.EMVMethodDeviceRequest{MethodToken: methodToken, Device: &d})
	if err != nil {
		return Request{}, err
	}
	return Request{Path: contract.EMVMethodDevicePath, Body: body}, nil
}

// Prepare is the prepare frame's one request: the session token of its
// URL and the device signals, brought within the edge's limits.
func Prepare(sessionToken string, d contract.DeviceSignals) (Request, error) {
	if sessionToken == "" {
		return Request{}, errors.New("view: no session token")
	}
	d = d.WithinLimits()
	body, err := writePrepare(contract.ClientPrepareRequest{SessionToken: sessionToken, Device: &d})
	if err != nil {
		return Request{}, err
	}
	return Request{Path: contract.ClientPreparePath, Body: body}, nil
}
