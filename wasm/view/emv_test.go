package view

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/contract"
)

// TestModeOf: the page's method token makes the method mode; else the
// session token's emv claim, an object, makes the EMV mode; else the URL's
// mode=prepare makes the prepare mode; anything else — no emv claim, a
// null or non-object one, a token that does not decode — stays the
// merchant mode of today.
func TestModeOf(t *testing.T) {
	const emv = `"emv":{"nu":"https://r.example/n","sti":"s","ati":"a","v":"2.2.0","ws":"03"}`
	merchant := jws(`{"sub":"a1","mo":"http://localhost:8080"}`)
	tests := []struct {
		name          string
		method, token string
		page          string // the URL's mode parameter
		want          Mode
	}{
		{"prepare", "", merchant, "prepare", PrepareMode},
		{"prepare, token not decoding", "", "x.y.z", "prepare", PrepareMode},
		{"prepare, no token", "", "", "prepare", PrepareMode},
		{"prepare of an EMV session runs the challenge", "", jws(`{"mo":"https://r.example",` + emv + `}`), "prepare", EMVMode},
		{"method token wins over prepare", "m.t.k", merchant, "prepare", MethodMode},
		{"other mode value", "", merchant, "Prepare", MerchantMode},
		{"empty mode value", "", merchant, "", MerchantMode},
		{"mode value with space", "", merchant, "prepare ", MerchantMode},
		{"merchant", "", jws(`{"sub":"a1","mo":"http://localhost:8080"}`), "", MerchantMode},
		{"emv", "", jws(`{"sub":"a1","mo":"https://r.example",` + emv + `}`), "", EMVMode},
		{"emv, spaced", "", jws(`{"emv" : { "nu":"x"}}`), "", EMVMode},
		{"method page", "m.t.k", "", "", MethodMode},
		{"method token wins", "m.t.k", jws(`{` + emv + `}`), "", MethodMode},
		{"emv null", "", jws(`{"mo":"http://localhost:8080","emv":null}`), "", MerchantMode},
		{"emv string", "", jws(`{"emv":"yes"}`), "", MerchantMode},
		{"emv true", "", jws(`{"emv":true}`), "", MerchantMode},
		{"emv array", "", jws(`{"emv":[{}]}`), "", MerchantMode},
		{"no token", "", "", "", MerchantMode},
		{"not a JWS", "", "emv", "", MerchantMode},
		{"payload not JSON", "", jws(`{"emv":{`), "", MerchantMode},
		{"padded payload", "", "h." + strings.TrimRight(jws(`{`+emv+`}`), "=") + "=.s", "", MerchantMode},
		{"huge token", "", jws(`{` + emv + `,"x":"` + strings.Repeat("x", 9000) + `"}`), "", MerchantMode},
	}
	for _, tt := range tests {
		if got := ModeOf(tt.method, tt.token, tt.page); got != tt.want {
			t.Errorf("%s: ModeOf = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestEMVEnd: every way the flow ends becomes one form POST to the edge
// with the page's st and sd; end says cancel only for the cardholder's
// cancel, timeout only for an expiry, done otherwise.
func TestEMVEnd(t *testing.T) {
	tests := []struct {
		name  string
		phase Phase
		r     contract.Result
		sd    string
		end   string
	}{
		{"Y", Done, contract.Result{ResultToken: "rt", Status: "Y"}, "c2Q", contract.EMVEndDone},
		{"N max attempts", Done, contract.Result{ResultToken: "rt", Status: "N", Reason: contract.ReasonMaxAttempts}, "c2Q", contract.EMVEndDone},
		{"cancelled", Done, contract.Result{ResultToken: "rt", Status: "N", Reason: contract.ReasonCancelled}, "c2Q", contract.EMVEndCancel},
		{"expired", Failed, contract.Result{Status: "U", Reason: "expired"}, "", contract.EMVEndTimeout},
		{"superseded", Failed, contract.Result{Status: "U", Reason: contract.CodeSuperseded}, "", contract.EMVEndDone},
		{"invalid token", Failed, contract.Result{Status: "U", Reason: contract.CodeInvalidToken}, "c2Q", contract.EMVEndDone},
	}
	for _, tt := range tests {
		f := EMVEnd("s.t.k", tt.sd, tt.phase, tt.r)
		want := Form{Action: "/3ds/v2/cres", Fields: [][2]string{{"st", "s.t.k"}}}
		if tt.sd != "" {
			want.Fields = append(want.Fields, [2]string{"sd", tt.sd})
		}
		want.Fields = append(want.Fields, [2]string{"end", tt.end})
		if !reflect.DeepEqual(f, want) {
			t.Errorf("%s: %+v, want %+v", tt.name, f, want)
		}
	}
}

// TestEMVEndFromModel: the model's own ends give the ends above: a
// cancel answered by the edge, and the challenge's expiry by the clock.
func TestEMVEndFromModel(t *testing.T) {
	m := started(t, English)
	req, err := m.Cancel()
	if err != nil || req.Path != contract.ClientCancelPath {
		t.Fatalf("cancel: %+v, %v", req, err)
	}
	m.Apply(200, body(t, resultResp("N", contract.ReasonCancelled)))
	r, ended := m.Result()
	if f := EMVEnd("st", "", m.Phase(), r); !ended || f.Fields[len(f.Fields)-1] != [2]string{"end", "cancel"} {
		t.Errorf("after a cancel: %+v (ended %v)", f, ended)
	}

	m = started(t, English)
	if !m.Expire(m.display.ExpiresAt) {
		t.Fatal("the challenge did not expire")
	}
	r, ended = m.Result()
	if f := EMVEnd("st", "", m.Phase(), r); !ended || f.Fields[len(f.Fields)-1] != [2]string{"end", "timeout"} {
		t.Errorf("after the expiry: %+v (ended %v)", f, ended)
	}
}

func TestMethodDevice(t *testing.T) {
	if _, err := MethodDevice("", contract.DeviceSignals{}); err == nil {
		t.Error("no token accepted")
	}
	langs := make([]string, 50)
	for i := range langs {
		langs[i] = "ja"
	}
	req, err := MethodDevice("m.t.k", contract.DeviceSignals{UA: "Mozilla/5.0", Languages: langs})
	if err != nil || req.Path != "/3ds/v2/method/device" {
		t.Fatalf("%+v, %v", req, err)
	}
	var body contract.EMVMethodDeviceRequest
	if err := json.Unmarshal(req.Body, &body); err != nil || body.MethodToken != "m.t.k" || body.Device == nil ||
		body.Device.UA != "Mozilla/5.0" || body.Device.Validate() != nil {
		t.Errorf("body %s: %v", req.Body, err)
	}
}

// TestPrepare: the prepare frame's request is the contract's body, as the
// edge reads it (strictly, the device within its limits), to /v1/prepare.
func TestPrepare(t *testing.T) {
	if _, err := Prepare("", contract.DeviceSignals{}); err == nil {
		t.Error("no session token accepted")
	}
	langs := make([]string, 50)
	for i := range langs {
		langs[i] = "ja"
	}
	req, err := Prepare("s.t.k", contract.DeviceSignals{UA: "Mozilla/5.0", Languages: langs, DeviceID: "dev-1"})
	if err != nil || req.Path != "/v1/prepare" {
		t.Fatalf("%+v, %v", req, err)
	}
	var body contract.ClientPrepareRequest
	decodeStrict(t, req, &body)
	if body.SessionToken != "s.t.k" || body.Device == nil || body.Device.UA != "Mozilla/5.0" || body.Device.DeviceID != "dev-1" ||
		body.Device.Validate() != nil {
		t.Errorf("body %s", req.Body)
	}
}

// TestPrepareTarget: the prepare frame tells only the token's merchant
// origin, and nothing when the token holds no valid one.
func TestPrepareTarget(t *testing.T) {
	for _, tt := range []struct {
		name, token, want string
	}{
		{"merchant", jws(`{"sub":"a1","mo":"https://shop.example"}`), "https://shop.example"},
		{"no mo", jws(`{"sub":"a1"}`), ""},
		{"wildcard", jws(`{"mo":"*"}`), ""},
		{"path", jws(`{"mo":"https://shop.example/pay"}`), ""},
		{"not a JWS", "abc", ""},
		{"empty", "", ""},
	} {
		got, err := PrepareTarget(tt.token)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("%s: PrepareTarget = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
