package view

// The bodies are edge/contract's on both sides. These tests hold the
// client to the edge's reading of them: what the client sends, decoded as
// the edge decodes it (strictly, the device signals validated), and the
// screens as the edge writes them, byte for byte, decoded by the client.

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// decodeStrict decodes a request body as the edge does: unknown fields
// refused.
func decodeStrict(t *testing.T, req Request, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("the edge cannot read what the client sends to %s: %v\n%s", req.Path, err, req.Body)
	}
}

// startSent is the /v1/start body the client sends, as the edge reads it.
func startSent(t *testing.T, req Request) contract.ClientStartRequest {
	t.Helper()
	if req.Path != contract.ClientStartPath {
		t.Fatalf("start request to %q", req.Path)
	}
	var body contract.ClientStartRequest
	decodeStrict(t, req, &body)
	if body.SessionToken == "" {
		t.Fatalf("start request without session_token: %s", req.Body)
	}
	return body
}

func TestStartSendsDevice(t *testing.T) {
	start := func(d contract.DeviceSignals) contract.DeviceSignals {
		t.Helper()
		req, err := New(Japanese).Start("st", d)
		if err != nil {
			t.Fatal(err)
		}
		sent := startSent(t, req)
		if sent.Device == nil {
			t.Fatalf("start request without device: %s", req.Body)
		}
		return *sent.Device
	}

	// A real browser's signals arrive unchanged and pass the edge's limits.
	phone := contract.DeviceSignals{
		UA:       "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
		Platform: "iPhone", Mobile: true, Languages: []string{"ja-JP", "en-US"}, Timezone: "Asia/Tokyo", TZOffset: -540,
		ScreenW: 390, ScreenH: 844, ColorDepth: 24, PixelRatio: 3, HWConcurrency: 8, TouchPoints: 5, Webdriver: true,
		DeviceID: "01020300-0000-4000-8000-000000000000",
	}
	if got := start(phone); !reflect.DeepEqual(got, phone) {
		t.Errorf("sent %+v\nfrom %+v", got, phone)
	}
	if none := start(contract.DeviceSignals{}); !reflect.DeepEqual(none, contract.DeviceSignals{}) {
		t.Errorf("no signals sent as %+v", none)
	}

	// A browser's odd values: unchecked, the edge would refuse them (400,
	// and the challenge lost); the client sends what it accepts.
	odd := contract.DeviceSignals{UA: strings.Repeat("あ", 200), Platform: strings.Repeat("p", 65), TZOffset: math.MaxInt,
		ScreenW: math.MinInt, PixelRatio: math.NaN()}
	if odd.Validate() == nil {
		t.Fatal("the edge would accept the odd device as is: the test proves nothing")
	}
	if got := start(odd); got.Validate() != nil {
		t.Errorf("the client sends what the edge refuses: %v", got.Validate())
	}
}

// TestEdgeScreen: the screens exactly as the edge writes them (edge/api's
// TestStart holds the edge to these times) are what the client shows.
func TestEdgeScreen(t *testing.T) {
	m := New(English)
	if _, err := m.Start("st", contract.DeviceSignals{}); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, []byte(`{"state":"challenge","challenge_token":"ct1","display":{"merchant":"Demo Shop","amount":1250,`+
		`"currency":"JPY","date":"2026-11-22T03:00:00Z","last4":"1234","message":"Blue whale","method":"email",`+
		`"dest":"***@mail.jp","expires_at":"2026-11-22T03:10:00Z","attempts_left":5,"resend_after":"2026-11-22T03:00:31Z",`+
		`"resends_left":3,"delivery":"sent"},"merchant_origin":"http://localhost:8080"}`+"\n"))
	want := contract.Display{Merchant: "Demo Shop", Amount: 1250, Currency: "JPY", Date: t0, Last4: "1234", Message: "Blue whale",
		Method: "email", Dest: "***@mail.jp", ExpiresAt: t0.Add(10 * time.Minute), AttemptsLeft: 5,
		ResendAfter: t0.Add(31 * time.Second), ResendsLeft: 3, Delivery: "sent"}
	if m.Phase() != Challenge || m.challengeToken != "ct1" || m.MerchantOrigin() != shopOrigin || !sameDisplay(m.display, want) {
		t.Fatalf("phase %v token %q origin %q display %+v\nwant %+v", m.Phase(), m.challengeToken, m.MerchantOrigin(), m.display, want)
	}
	if s := m.Screen(t0.Add(30 * time.Second)); s.Date == "" || s.Countdown != "9:30" || s.CanResend {
		t.Errorf("screen at +30s: date %q countdown %q canResend %v", s.Date, s.Countdown, s.CanResend)
	}
	if s := m.Screen(t0.Add(31 * time.Second)); !s.CanResend {
		t.Error("no Resend at resend_after")
	}

	if _, err := m.Cancel(); err != nil {
		t.Fatal(err)
	}
	m.Apply(200, []byte(`{"state":"result","result_token":"rt","status":"N","reason":"cardholder_cancelled",`+
		`"merchant_origin":"http://localhost:8080"}`+"\n"))
	if r, ended := m.Result(); !ended || m.Phase() != Done ||
		r != (contract.Result{ResultToken: "rt", Status: "N", Reason: contract.ReasonCancelled}) {
		t.Errorf("result %+v (ended %v, phase %v)", r, ended, m.Phase())
	}
}

// sameDisplay compares displays with their times as instants.
func sameDisplay(a, b contract.Display) bool {
	if !a.Date.Equal(b.Date) || !a.ExpiresAt.Equal(b.ExpiresAt) || !a.ResendAfter.Equal(b.ResendAfter) {
		return false
	}
	a.Date, a.ExpiresAt, a.ResendAfter = b.Date, b.ExpiresAt, b.ResendAfter
	return a == b
}
