// Package view is the challenge client's view model: everything the
// challenge screen shows and every rule it follows, in plain Go so that it
// is tested natively. The browser side (package main beside it, built for
// js/wasm) only moves strings between a Screen and the DOM and carries
// Requests to the edge.
package view

import (
	"errors"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// Phase is where the challenge stands. It only moves forward:
// Loading -> Challenge -> Done, or to Failed from either of the first two.
type Phase int

const (
	Loading   Phase = iota // waiting for /v1/start
	Challenge              // showing the transaction, taking a code
	Done                   // the edge returned a result
	Failed                 // the flow cannot go on: invalid or expired session, superseded
)

func (p Phase) String() string {
	switch p {
	case Loading:
		return "loading"
	case Challenge:
		return "challenge"
	case Done:
		return "done"
	case Failed:
		return "failed"
	}
	return "unknown"
}

// Action is the request the model is waiting for an answer to.
type Action int

const (
	None Action = iota
	Start
	Verify
	Resend
	Cancel
)

// Errors returned when an action is not allowed right now. The screen
// disables the controls in these cases; the errors guard against double
// clicks and events that arrive late.
var (
	ErrBusy      = errors.New("view: a request is already under way")
	ErrNotNow    = errors.New("view: action not allowed in this phase")
	ErrNoResend  = errors.New("view: resend not available yet")
	ErrExpired   = errors.New("view: the challenge has expired")
	ErrNoSession = errors.New("view: no session token")
	ErrNoCode    = errors.New("view: no code was sent for this challenge")
	// ErrConfirmCancel: Cancel was pressed once; the screen asks to press
	// it again (PressCancel).
	ErrConfirmCancel = errors.New("view: press Cancel again to cancel")
)

// CancelConfirmTime is how long Cancel, pressed once, waits for the second
// press that cancels the payment. A press is cheap to repeat, so when the
// time runs out nothing is lost: the button is Cancel again.
const CancelConfirmTime = 5 * time.Second

// Model holds the state of one challenge. It is not safe for concurrent
// use; the browser side serializes calls.
type Model struct {
	locale Locale
	zone   Zone
	phase  Phase

	pending        Action
	challengeToken string
	display        contract.Display
	hasDisplay     bool
	merchantOrigin string
	result         contract.Result
	// issuer is the issuer's contact from the start's answer, kept for the
	// whole challenge (later answers do not carry it).
	issuer contract.Issuer

	// noResend is set when the edge refused a resend for good
	// (resend_limit, send_limit, not_resendable). Later answers still carry
	// the challenge token's resends_left, so it is kept apart.
	noResend bool

	// problem is the code of the message shown, "" for none: an edge error
	// code or one of the problem* constants.
	problem string

	// resendAsked is when the pending resend was asked for; resentAt is
	// when the newest code was sent by a resend (zero before any): the
	// edge cannot tell a wrong code from the one a resend replaced (the
	// new challenge token seals only the new code), so after a resend a
	// wrong code says when the newest was sent. newCode shows "new code
	// sent" until the cardholder's next action.
	resendAsked, resentAt time.Time
	newCode               bool

	// cancelUntil is when Cancel, pressed once, stops asking for the
	// second press (see PressCancel); zero when it is not asking.
	cancelUntil time.Time
}

// New returns a model in the Loading phase showing JST dates.
func New(l Locale) *Model {
	return &Model{locale: l, zone: JST}
}

// Phase returns the current phase.
func (m *Model) Phase() Phase { return m.phase }

// Pending returns the action waiting for an answer, None if there is none.
func (m *Model) Pending() Action { return m.pending }

// MerchantOrigin returns the merchant_origin of the latest edge response.
func (m *Model) MerchantOrigin() string { return m.merchantOrigin }

// Problem returns the code of the message on screen, "" when there is none.
func (m *Model) Problem() string { return m.problem }

// ToggleZone switches the date between JST and GMT.
func (m *Model) ToggleZone() {
	if m.zone == JST {
		m.zone = GMT
	} else {
		m.zone = JST
	}
}

// Start returns the /v1/start request, with d brought within the edge's
// limits. It is allowed while Loading, again after a network or issuer
// failure (the retry button).
func (m *Model) Start(sessionToken string, d contract.DeviceSignals) (Request, error) {
	if err := m.ready(Loading); err != nil {
		return Request{}, err
	}
	if sessionToken == "" {
		m.fail("invalid_token")
		return Request{}, ErrNoSession
	}
	d = d.WithinLimits()
	body, err := writeStart(contract.ClientStartRequest{SessionToken: sessionToken, Device: &d})
	return m.send(Start, contract.ClientStartPath, body, err)
}

// Verify checks what the cardholder typed and returns the /v1/verify
// request. A malformed code never leaves the browser: the model shows the
// message and returns the error.
func (m *Model) Verify(input string, now time.Time) (Request, error) {
	if err := m.ready(Challenge); err != nil {
		return Request{}, err
	}
	if m.expired(now) {
		m.fail(problemSessionExpired)
		return Request{}, ErrExpired
	}
	if m.noCode() {
		// Nothing was sent, so nothing typed can be right.
		return Request{}, ErrNoCode
	}
	if m.display.Method == contract.MethodPassword {
		// A password is sent as typed: folding full-width digits or
		// dropping spaces would change it.
		if err := CheckPassword(input); err != nil {
			m.problem = problemEmptyCode
			if !errors.Is(err, ErrCodeEmpty) {
				m.problem = "invalid_code_format"
			}
			return Request{}, err
		}
		body, err := writeVerify(contract.VerifyRequest{ChallengeToken: m.challengeToken, Code: input})
		return m.send(Verify, contract.ClientVerifyPath, body, err)
	}
	code, err := NormalizeCode(input)
	switch {
	case errors.Is(err, ErrCodeEmpty):
		m.problem = problemEmptyCode
		return Request{}, err
	case err != nil:
		m.problem = "invalid_code_format"
		return Request{}, err
	}
	body, err := writeVerify(contract.VerifyRequest{ChallengeToken: m.challengeToken, Code: code})
	return m.send(Verify, contract.ClientVerifyPath, body, err)
}

// Resend returns the /v1/resend request once resend_after has passed.
func (m *Model) Resend(now time.Time) (Request, error) {
	if err := m.ready(Challenge); err != nil {
		return Request{}, err
	}
	if m.expired(now) {
		m.fail(problemSessionExpired)
		return Request{}, ErrExpired
	}
	if !m.resendable() || now.Before(m.display.ResendAfter) {
		return Request{}, ErrNoResend
	}
	m.resendAsked = now
	body, err := writeToken(contract.TokenRequest{ChallengeToken: m.challengeToken})
	return m.send(Resend, contract.ClientResendPath, body, err)
}

// PressCancel is the Cancel button: the first press only asks (the screen
// says to press again, and ErrConfirmCancel is returned), a second press
// within CancelConfirmTime returns the /v1/cancel request. Cancel sits
// next to Resend and Send, and a cancelled payment cannot be taken back.
func (m *Model) PressCancel(now time.Time) (Request, error) {
	if err := m.ready(Challenge); err != nil {
		return Request{}, err
	}
	if !m.cancelAsked(now) {
		m.cancelUntil = now.Add(CancelConfirmTime)
		return Request{}, ErrConfirmCancel
	}
	return m.Cancel()
}

// cancelAsked reports whether Cancel was pressed once and waits for the
// second press at now.
func (m *Model) cancelAsked(now time.Time) bool {
	return now.Before(m.cancelUntil)
}

// Cancel returns the /v1/cancel request, without asking (the EMV
// challenge's cancel, and PressCancel's second press).
func (m *Model) Cancel() (Request, error) {
	if err := m.ready(Challenge); err != nil {
		return Request{}, err
	}
	body, err := writeToken(contract.TokenRequest{ChallengeToken: m.challengeToken})
	return m.send(Cancel, contract.ClientCancelPath, body, err)
}

func (m *Model) ready(want Phase) error {
	if m.pending != None {
		return ErrBusy
	}
	if m.phase != want {
		return ErrNotNow
	}
	return nil
}

// send makes the request of action a, whose body was written with err.
func (m *Model) send(a Action, path string, body []byte, err error) (Request, error) {
	if err != nil {
		return Request{}, err
	}
	req := Request{Path: path, Body: body}
	m.pending = a
	m.problem = "" // the answer brings its own message
	m.newCode = false
	m.cancelUntil = time.Time{}
	return req, nil
}

// Apply moves the model on with the edge's answer to the pending request:
// the HTTP status and the body, a contract.Screen on 2xx, else a
// contract.ErrorBody. It never fails; whatever the edge (or something
// between it and the browser) sent becomes a screen. Both are decoded
// leniently: unknown fields are ignored, so that the edge can add fields.
func (m *Model) Apply(status int, body []byte) {
	if m.pending == None || m.phase == Done || m.phase == Failed {
		m.pending = None
		return // a late answer; the flow has moved on
	}
	action := m.pending
	m.pending = None
	if status >= 200 && status < 300 {
		s, err := readScreen(body)
		if err != nil {
			m.problem = problemBadResponse
			return
		}
		m.applyScreen(s)
		if action == Resend && m.phase == Challenge && m.problem == "" && s.Display.Delivery == contract.DeliverySent {
			m.resentAt, m.newCode = m.resendAsked, true
		}
		return
	}
	var code string
	if e, err := readErrorBody(body); err == nil {
		code = e.Error
	}
	if code == "" {
		code = codeForStatus(status)
	}
	switch code {
	case contract.CodeResendLimit, contract.CodeSendLimit, contract.CodeNotResendable:
		// The issuer will send no more codes for this purchase: Resend
		// goes away, the code already sent still works.
		m.noResend = true
		m.problem = code
	case contract.CodeInvalidToken, contract.CodeSuperseded, contract.CodeAlreadyUsed:
		m.fail(code)
	case contract.CodeCodeNotSent:
		// The challenge holds no code (the send failed or was refused):
		// the screen already offers only what is possible.
		m.problem = code
	case contract.CodeExpired:
		// The challenge token's expiry is the code's: the edge refuses
		// verify, resend and cancel alike, so only the shop can start again.
		m.fail(problemSessionExpired)
	default:
		// issuer_unavailable, resend_cooldown, invalid_code_format,
		// bad_request, too_large and codes this client does not know:
		// show, stay, let them try again.
		m.problem = code
	}
}

// applyScreen takes a 2xx answer that carries a screen.
func (m *Model) applyScreen(r contract.Screen) {
	if r.Issuer != nil && showable(*r.Issuer) {
		m.issuer = *r.Issuer
	}
	switch r.State {
	case contract.StateChallenge:
		if r.ChallengeToken == "" || r.Display == nil {
			m.problem = problemBadResponse
			return
		}
		m.phase = Challenge
		m.challengeToken = r.ChallengeToken
		m.display = *r.Display
		m.hasDisplay = true
		m.merchantOrigin = r.MerchantOrigin
		m.problem = r.Error // "wrong_code", "code_used" or ""
		if m.problem == "" {
			switch r.Display.Delivery {
			case contract.DeliveryFailed:
				m.problem = problemDeliveryFailed
			case contract.DeliveryLimited:
				m.problem = problemDeliveryLimited
			}
		}
	case contract.StateResult:
		if !contract.ValidStatus(r.Status) {
			m.problem = problemBadResponse
			return
		}
		m.phase = Done
		m.merchantOrigin = r.MerchantOrigin
		m.result = r.Result
		m.problem = ""
	default:
		m.problem = problemBadResponse
	}
}

// Expire ends the flow once the challenge has expired by the clock and no
// request is under way (an answer in flight decides for itself). It reports
// whether it ended the flow, so that the caller tells the merchant page.
func (m *Model) Expire(now time.Time) bool {
	if m.phase != Challenge || m.pending != None || !m.expired(now) {
		return false
	}
	m.fail(problemSessionExpired)
	return true
}

// NetworkError records that the pending request got no HTTP answer at all.
func (m *Model) NetworkError() {
	if m.pending == None || m.phase == Done || m.phase == Failed {
		m.pending = None
		return
	}
	m.pending = None
	m.problem = problemNetwork
}

// fail ends the flow without a result token.
func (m *Model) fail(problem string) {
	m.phase = Failed
	m.problem = problem
	reason := problem
	if problem == problemSessionExpired {
		reason = "expired"
	}
	m.result = contract.Result{Status: "U", Reason: reason}
}

// Result returns what to tell the merchant page once the flow has ended:
// the edge's result in Done, and in Failed a status "U" with the error code
// as reason and no token, so that the merchant page stops waiting (it
// cannot mistake this for success: only a verified token counts).
func (m *Model) Result() (contract.Result, bool) {
	if m.phase != Done && m.phase != Failed {
		return contract.Result{}, false
	}
	return m.result, true
}

func (m *Model) expired(now time.Time) bool {
	return !m.display.ExpiresAt.IsZero() && !now.Before(m.display.ExpiresAt)
}

// noCode reports whether the challenge on screen holds no code: the issuer
// could not send it (delivery "failed") or would not (the destination's
// daily cap, "limited"). Nothing typed could match, so the code field and
// Send are off until a resend brings a code.
func (m *Model) noCode() bool {
	return m.sendsCodes() && (m.display.Delivery == contract.DeliveryFailed || m.display.Delivery == contract.DeliveryLimited)
}

// sendsCodes reports whether the issuer sends the codes of this method
// (email, SMS). App and hardware-token codes are made on the cardholder's
// side, and a password is not sent at all.
func (m *Model) sendsCodes() bool {
	return m.display.Method == contract.MethodEmail || m.display.Method == contract.MethodSMS
}

// resendable reports whether a new code may be asked for: the issuer
// allows a few resends per purchase and says how many are left.
func (m *Model) resendable() bool {
	return m.sendsCodes() && m.display.ResendsLeft > 0 && !m.noResend
}

// Typed takes what is in the code field after each edit (not during an IME
// composition) and returns what the field should hold instead, with
// rewrite set when that differs. A complete code in any form the
// normaliser accepts ("203 677", "203-677", "２０３６７７", with spaces or a
// line break around it) becomes its 6 ASCII digits at once, so a paste
// shows what will be sent. Nothing is ever cut: the field has no
// maxlength, which would drop the last digit of a pasted "203 677" before
// anything could normalise it; more digits than a code has get a message
// instead, which goes once they are fewer again. A password is left as
// typed.
func (m *Model) Typed(input string) (field string, rewrite bool) {
	if m.phase != Challenge || m.display.Method == contract.MethodPassword {
		return input, false
	}
	if tooManyDigits(input) {
		m.problem = problemTooManyDigits
	} else if m.problem == problemTooManyDigits {
		m.problem = ""
	}
	code, err := NormalizeCode(input)
	if err == nil && code != input {
		return code, true
	}
	return input, false
}

// OTPKey says when the browser should be listening for the code's SMS
// (WebOTP): while an SMS challenge holding a code waits for it, the key is
// the challenge token (a resend brings a new code, and a new token); ""
// when it should not listen, as while a code is being checked, or after
// the end. The browser side keeps one request per key (WebOTP).
func (m *Model) OTPKey() string {
	if m.phase != Challenge || m.pending != None || m.display.Method != contract.MethodSMS || m.noCode() {
		return ""
	}
	return m.challengeToken
}

// CodeRefused reports whether the last answer refused the code typed (wrong,
// or a TOTP code already used), so the browser side clears the field for
// the next one.
func (m *Model) CodeRefused() bool {
	return m.phase == Challenge && (m.problem == contract.ReasonWrongCode || m.problem == contract.ReasonCodeUsed)
}

// codeForStatus names the error for an answer without a usable JSON error
// body (a proxy's HTML page, a truncated body).
func codeForStatus(status int) string {
	switch {
	case status == 401:
		return contract.CodeInvalidToken
	case status == 409:
		return contract.CodeSuperseded
	case status == 410:
		return contract.CodeExpired
	case status == 413:
		return "too_large"
	case status == 400:
		return "bad_request"
	case status >= 500:
		return contract.CodeIssuerUnavailable
	}
	return problemUnknown
}

// showable reports whether the screen may show issuer i: its contact
// contract.Issuer.ValidContact, its logo a data: image and its colours
// #rrggbb. The edge checked all of i (contract.Issuer.Valid, the colours'
// contrast too) before sending it; this is the client's own guard, the
// cheapest that keeps every part in its place.
func showable(i contract.Issuer) bool {
	return i.ValidContact() && (i.Logo == "" || strings.HasPrefix(i.Logo, "data:image/")) &&
		hexColor(i.Color) && hexColor(i.Accent)
}

// hexColor reports whether s is "" or written #rrggbb.
func hexColor(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		if c := s[i] | 0x20; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
