package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/money"
	"github.com/honnin/honnin/edge/origin"
	"github.com/honnin/honnin/issuer/pan"
)

// FuzzBodies posts request bodies to every JSON endpoint of the issuer's
// API over a real database, as the merchant (create) or the edge (start,
// resend, password, results, prepare, and the EMV 3DS CReq and 3DS Method calls; a
// valid call token each) or an app (app registration). The internal calls name an authentication that does not
// exist, so a body that passes decoding and validation is answered 404
// and nothing else happens: the target tests the decoding and the
// validation, not the handlers behind them.
//
// Properties: never a 5xx; every refusal is a JSON error with a code and a
// message; a body is let past validation only when it is one JSON object
// of the endpoint's shape (checked here with encoding/json) and within
// the bounds restated here, and (but for create, which has rules not
// restated here) every such body is let past: for create a card number
// that parses, an amount from 1 to 999,999,999,999, a currency of the
// list, merchant name and order ref of printable text within their
// lengths, a registered origin; for start signals that pass their Validate; for resend a gen of
// at least 1; for a password a gen and 1 to 128 bytes (129 to 512 bytes
// of up to 128 characters are not judged: see validPasswordBody); for results the
// required fields, a known status and the bounds of each field.
func FuzzBodies(f *testing.F) {
	for _, s := range []struct {
		ep   uint8
		body string
	}{
		{0, `{"card_number":"3540 1234 5678 9016","amount":1250,"currency":"JPY","merchant_name":"Demo Shop","merchant_origin":"http://localhost:8080","order_ref":"order-1"}`},
		{0, `{"card_number":"4111111111111111","amount":1,"currency":"USD","merchant_name":"Ｓｈｏｐ","merchant_origin":"http://127.0.0.1:8080"}`},
		{0, `{"card_number":"3540123456789016","amount":999999999999,"currency":"JPY","merchant_name":"x\u202e","merchant_origin":"https://other.example"}`},
		{1, `{"device":{"ua":"Mozilla/5.0","languages":["ja-JP"],"tz_offset":-540},"edge":{"ip":"203.0.113.7","country":"JP","asn":2516}}`},
		{1, `{}`},
		{1, `{"device":{"screen_w":-1}}`},
		{2, `{"gen":1}`},
		{2, `{"gen":0}`},
		{3, `{"gen":1,"password":"honnin-demo-pw"}`},
		{3, `{"gen":1,"password":""}`},
		{4, `{"jti":"j1","sub":"missing","status":"Y","gen":1,"attempts":0,"cred":"c1","step":29000000,"drift":1}`},
		{4, `{"jti":"j1","sub":"missing","status":"C","gen":1,"attempts":6}`},
		{4, `{"jti":" j1","sub":"missing","status":"N","reason":"max_attempts","gen":1,"attempts":5}`},
		{5, `{"registration_id":"1234567890","password":"ABCDEFGHJK"}`},
		{5, `{"registration_id":"","password":"x"}`},
		{0, `[]`},
		{3, `{"gen":1,"password":"x"}{"gen":2}`},
		{6, `{"threeDSServerTransID":"8a880dc0-d2d2-4067-bcb1-b08d1690b26e","messageVersion":"2.2.0","challengeWindowSize":"05"}`},
		{6, `{"threeDSServerTransID":"x","messageVersion":"2.2.0","challengeWindowSize":"00"}`},
		{7, `{"device":{"device_id":"d1","timezone":"Asia/Tokyo"},"edge":{"ip":"203.0.113.7"}}`},
		{8, `{"device":{"ua":"Mozilla/5.0"},"edge":{"ip":"203.0.113.7","device_cookie":"d1.x"}}`},
		{8, `{"edge":{"ip":"203.0.113.7"}}`},
	} {
		f.Add(s.ep, []byte(s.body))
	}
	h := newHarness(f)
	const missing = "NOSUCHAUTHENTICATION0000AA"
	const missingTxn = "00000000-0000-4000-8000-000000000000"
	type endpoint struct {
		path, auth string
		valid      func(body []byte) (valid, sure bool) // the body passes decoding and validation
		passed     int                                  // the status of a body that did
	}
	endpoints := []endpoint{
		{"/v1/authentications", testAPIKey, necessary(validCreateBody), http.StatusCreated},
		{"/internal/v1/authentications/" + missing + "/start", h.edgeToken(missing), sure(validStartBody), http.StatusNotFound},
		{"/internal/v1/authentications/" + missing + "/resend", h.edgeToken(missing), sure(validResendBody), http.StatusNotFound},
		{"/internal/v1/authentications/" + missing + "/password", h.edgeToken(missing), validPasswordBody, http.StatusNotFound},
		{"/internal/v1/results", h.edgeToken("results"), sure(validResultBody), http.StatusNotFound},
		{"/v1/app/register", "", sure(validAppBody), http.StatusForbidden},
		{"/internal/v1/emv/challenges/" + missingTxn, h.edgeToken(missingTxn), sure(validEMVChallengeBody), http.StatusNotFound},
		{"/internal/v1/emv/methods/" + missingTxn, h.edgeToken(missingTxn), sure(validStartBody), http.StatusNoContent},
		{"/internal/v1/authentications/" + missing + "/prepare", h.edgeToken(missing), sure(validPrepareBody), http.StatusNotFound},
	}
	f.Fuzz(func(t *testing.T, ep uint8, body []byte) {
		h.t = t // the harness reports to the input being run
		e := endpoints[int(ep)%len(endpoints)]
		rec := h.do(http.MethodPost, e.path, e.auth, string(body))
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q: %d %s", e.path, body, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusNoContent && !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("POST %s: Content-Type %q", e.path, ct)
		}
		if rec.Code >= 400 {
			var eb jsonapi.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error == "" || eb.Message == "" {
				t.Fatalf("POST %s: error answer %d %s", e.path, rec.Code, rec.Body)
			}
		}
		valid, sure := e.valid(body)
		passed := rec.Code == e.passed || rec.Code == http.StatusOK && e.passed == http.StatusCreated // create: N not_enrolled
		if sure && valid != passed || passed && !valid {
			t.Fatalf("POST %s %q: %d %s; valid by the rules restated here: %v", e.path, body, rec.Code, rec.Body, valid)
		}
	})
}

// sure is a validator that can always tell.
func sure(valid func([]byte) bool) func([]byte) (bool, bool) {
	return func(b []byte) (bool, bool) { return valid(b), true }
}

// strictJSON decodes exactly one JSON value of v's shape without unknown
// fields, as jsonapi.Decode does.
func strictJSON(b []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if dec.Decode(v) != nil {
		return false
	}
	_, err := dec.Token()
	return errors.Is(err, io.EOF) && len(b) <= jsonapi.MaxBody
}

func validCreateBody(b []byte) bool {
	var q struct {
		CardNumber     string `json:"card_number"`
		Amount         *int64 `json:"amount"`
		Currency       string `json:"currency"`
		MerchantName   string `json:"merchant_name"`
		MerchantOrigin string `json:"merchant_origin"`
		OrderRef       string `json:"order_ref"`
	}
	if !strictJSON(b, &q) || q.Amount == nil {
		return false
	}
	_, err := pan.Parse(q.CardNumber)
	return err == nil && *q.Amount >= 1 && *q.Amount <= 999_999_999_999 && money.Valid(q.Currency) &&
		checkText(q.MerchantName, 0, 64) == "" && checkText(q.OrderRef, 0, 64) == "" &&
		origin.Valid(q.MerchantOrigin) && (q.MerchantOrigin == testOrigin || q.MerchantOrigin == "http://127.0.0.1:8080")
}

// necessary makes a validator one-way: a body it refuses must be refused,
// but one it passes may still be refused for a rule not restated here
// (create's merchant name must be one the merchant registered).
func necessary(valid func([]byte) bool) func([]byte) (bool, bool) {
	return func(b []byte) (bool, bool) {
		ok := valid(b)
		return ok, !ok
	}
}

func validStartBody(b []byte) bool {
	var q struct {
		Device *contract.DeviceSignals `json:"device"`
		Edge   *contract.EdgeSignals   `json:"edge"`
	}
	return strictJSON(b, &q) && (q.Device == nil || q.Device.Validate() == nil) && (q.Edge == nil || q.Edge.Validate() == nil)
}

// validPrepareBody is validStartBody with a device required.
func validPrepareBody(b []byte) bool {
	var q struct {
		Device *contract.DeviceSignals `json:"device"`
	}
	return validStartBody(b) && json.Unmarshal(b, &q) == nil && q.Device != nil
}

func validEMVChallengeBody(b []byte) bool {
	var q contract.EMVChallengeRequest
	if !strictJSON(b, &q) {
		return false
	}
	_, window := emv3ds.WindowSizes[q.ChallengeWindowSize]
	return q.ThreeDSServerTransID != "" && q.MessageVersion != "" && window
}

func validResendBody(b []byte) bool {
	var q struct {
		Gen *int `json:"gen"`
	}
	return strictJSON(b, &q) && q.Gen != nil && *q.Gen >= 1
}

// validPasswordBody also says when it cannot tell: a password of 129 to
// 512 bytes may be within 128 characters, which the issuer counts as it
// sees fit (bytes here, characters once edge/limits' rule reaches it).
func validPasswordBody(b []byte) (valid, sure bool) {
	var q struct {
		Gen      *int   `json:"gen"`
		Password string `json:"password"`
	}
	if !strictJSON(b, &q) || q.Gen == nil || q.Password == "" || utf8.RuneCountInString(q.Password) > 128 {
		return false, true
	}
	return len(q.Password) <= 128, len(q.Password) <= 128
}

func validResultBody(b []byte) bool {
	var q struct {
		JTI      string `json:"jti"`
		Sub      string `json:"sub"`
		Status   string `json:"status"`
		Reason   string `json:"reason"`
		Gen      *int   `json:"gen"`
		Attempts int    `json:"attempts"`
		Cred     string `json:"cred"`
		Step     int64  `json:"step"`
		Drift    int    `json:"drift"`
	}
	return strictJSON(b, &q) && q.JTI != "" && q.Sub != "" && q.Gen != nil &&
		strings.Contains("Y N U A R C", q.Status) && len(q.Status) == 1 && q.Status != " " &&
		checkText(q.JTI, 1, 128) == "" && checkText(q.Reason, 0, 64) == "" && checkText(q.Cred, 0, 128) == "" &&
		*q.Gen >= 0 && q.Attempts >= 0 && q.Attempts <= 5 && q.Step >= 0 && q.Drift >= -1 && q.Drift <= 1
}

func validAppBody(b []byte) bool {
	var q struct {
		RegistrationID string `json:"registration_id"`
		Password       string `json:"password"`
	}
	return strictJSON(b, &q) && q.RegistrationID != "" && q.Password != "" && len(q.RegistrationID) <= 32 && len(q.Password) <= 64
}
