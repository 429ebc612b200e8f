package contract

import (
	"encoding/json"
	"testing"
	"time"
)

// TestClientJSON: the bytes of the public API, as the edge and the client
// write them. The wasm client in a browser tab may be older than the edge
// it talks to (and the e2e suite and web/honnin.js read these names), so a
// change here is a change of the wire, not a rename.
func TestClientJSON(t *testing.T) {
	at := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"start", ClientStartRequest{SessionToken: "st", Device: &DeviceSignals{UA: "u", TZOffset: -540}},
			`{"session_token":"st","device":{"ua":"u","tz_offset":-540}}`},
		{"start without device", ClientStartRequest{SessionToken: "st"}, `{"session_token":"st","device":null}`},
		{"verify", VerifyRequest{ChallengeToken: "ct", Code: "123456"}, `{"challenge_token":"ct","code":"123456"}`},
		{"resend, cancel", TokenRequest{ChallengeToken: "ct"}, `{"challenge_token":"ct"}`},
		{"challenge", Screen{State: StateChallenge, ChallengeToken: "ct", Display: &Display{Merchant: "Demo Shop", Amount: 1250,
			Currency: "JPY", Date: at, Last4: "1234", Message: "m", Method: "email", Dest: "***@mail.jp",
			ExpiresAt: at.Add(10 * time.Minute), AttemptsLeft: 5, ResendAfter: at.Add(31 * time.Second), ResendsLeft: 3,
			Delivery: DeliverySent}, MerchantOrigin: "https://shop.example"},
			`{"state":"challenge","challenge_token":"ct","display":{"merchant":"Demo Shop","amount":1250,"currency":"JPY",` +
				`"date":"2026-11-22T03:00:00Z","last4":"1234","message":"m","method":"email","dest":"***@mail.jp",` +
				`"expires_at":"2026-11-22T03:10:00Z","attempts_left":5,"resend_after":"2026-11-22T03:00:31Z","resends_left":3,` +
				`"delivery":"sent"},"merchant_origin":"https://shop.example"}`},
		{"challenge again", Screen{State: StateChallenge, ChallengeToken: "ct", Display: &Display{Date: at, ExpiresAt: at, ResendAfter: at},
			Error: ReasonWrongCode, MerchantOrigin: "https://shop.example"},
			`{"state":"challenge","challenge_token":"ct","display":{"merchant":"","amount":0,"currency":"",` +
				`"date":"2026-11-22T03:00:00Z","last4":"","message":"","method":"","dest":"",` +
				`"expires_at":"2026-11-22T03:00:00Z","attempts_left":0,"resend_after":"2026-11-22T03:00:00Z","resends_left":0},` +
				`"error":"wrong_code","merchant_origin":"https://shop.example"}`},
		{"result", Screen{State: StateResult, Result: Result{ResultToken: "rt", Status: "N", Reason: ReasonCancelled},
			MerchantOrigin: "https://shop.example"},
			`{"state":"result","result_token":"rt","status":"N","reason":"cardholder_cancelled","merchant_origin":"https://shop.example"}`},
		{"error", ErrorBody{Error: CodeExpired, Message: "m"}, `{"error":"expired","message":"m"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.v)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(b) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, b, tt.want)
		}
	}
}
