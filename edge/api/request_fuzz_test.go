package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
)

// The edge's request bodies are fuzzed at the decode level (decode and the
// request types' missing), not through the handlers.

// FuzzRequest decodes the bodies of /v1/start, /v1/verify,
// /v1/resend|cancel and /v1/prepare. Properties: refusals are 400, 413 or 415 *Errors; an
// accepted body has its required fields, and its device signals, when it
// has them, are what encoding/json decodes. (What a code or a password
// may be is one rule of the client, the edge and the issuer: the
// client's side is fuzzed in wasm/view's FuzzInput.)
func FuzzRequest(f *testing.F) {
	f.Add(uint8(0), []byte(`{"session_token":"t","device":{"ua":"Mozilla/5.0","languages":["ja-JP"],"pixel_ratio":2}}`))
	f.Add(uint8(0), []byte(`{"session_token":"t","device":null}`))
	f.Add(uint8(1), []byte(`{"challenge_token":"t","code":"123456"}`))
	f.Add(uint8(1), []byte(`{"challenge_token":"t","code":"パスワード"}`))
	f.Add(uint8(2), []byte(`{"challenge_token":"t"}`))
	f.Add(uint8(2), []byte(`{"challenge_token":""}`))
	f.Add(uint8(1), []byte(`{"challenge_token":"t","code":"1","extra":1}`))
	f.Add(uint8(3), []byte(`{"token":"a.b.c"}`))
	f.Add(uint8(3), []byte(`{"token":""}`))
	f.Add(uint8(4), []byte(`{"session_token":"t","device":{"ua":"Mozilla/5.0","device_id":"d"}}`))
	f.Add(uint8(4), []byte(`{"session_token":"t","device":null}`))
	f.Add(uint8(4), []byte(`{"session_token":"t"}`))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		var req request
		switch kind % 5 {
		case 0:
			req = &startRequest{}
		case 1:
			req = &verifyRequest{}
		case 2:
			req = &tokenRequest{}
		case 3:
			req = &credentialsRequest{}
		default:
			req = &prepareRequest{}
		}
		r := httptest.NewRequest(http.MethodPost, "/v1/x", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		err := decode(httptest.NewRecorder(), r, req)
		if err != nil {
			var e *jsonapi.Error
			if !errors.As(err, &e) || (e.Status != 400 && e.Status != 413 && e.Status != 415) {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		switch q := req.(type) {
		case *startRequest:
			if q.SessionToken == "" {
				t.Fatal("start accepted without session_token")
			}
			var ref struct {
				Device *contract.DeviceSignals `json:"device"`
			}
			if json.Unmarshal(body, &ref) != nil || !reflect.DeepEqual(ref.Device, q.Device) {
				t.Fatalf("start body %q decoded as %+v", body, q.Device)
			}
		case *verifyRequest:
			if q.ChallengeToken == "" || q.Code == "" {
				t.Fatal("verify accepted without challenge_token or code")
			}
		case *tokenRequest:
			if q.ChallengeToken == "" {
				t.Fatal("resend/cancel accepted without challenge_token")
			}
		case *credentialsRequest:
			if q.Token == "" {
				t.Fatal("credentials accepted without token")
			}
		case *prepareRequest:
			if q.SessionToken == "" || q.Device == nil {
				t.Fatal("prepare accepted without session_token or device")
			}
			var ref struct {
				Device *contract.DeviceSignals `json:"device"`
			}
			if json.Unmarshal(body, &ref) != nil || !reflect.DeepEqual(ref.Device, q.Device) {
				t.Fatalf("prepare body %q decoded as %+v", body, q.Device)
			}
		}
	})
}
