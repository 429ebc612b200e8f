package view_test

// The client's Device and edge/contract's DeviceSignals, which the edge
// reads, declare the same JSON twice: Device is the browser's side, which
// brings a browser's odd values within the limits DeviceSignals.Validate
// enforces. This test keeps the two in step.

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/wasm/view"
)

// jsonKeys returns the keys of v's JSON object.
func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(m))
}

// sent returns the device object of the /v1/start request the model makes
// for d, decoded as the edge decodes it: no unknown fields.
func sent(t *testing.T, d view.Device) contract.DeviceSignals {
	t.Helper()
	req, err := view.New(view.Japanese).Start("st", d)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		SessionToken string                 `json:"session_token"`
		Device       contract.DeviceSignals `json:"device"`
	}
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("the edge cannot read what the client sends: %v\n%s", err, req.Body)
	}
	return body.Device
}

func TestDeviceContract(t *testing.T) {
	// The same keys on both sides: none the edge refuses, none it expects
	// and the client never sends.
	full := view.Device{UA: "u", Platform: "p", Mobile: true, Languages: []string{"ja"}, Timezone: "z", TZOffset: 1,
		ScreenW: 1, ScreenH: 1, ColorDepth: 1, PixelRatio: 1, HWConcurrency: 1, TouchPoints: 1, Webdriver: true, DeviceID: "i"}
	fullEdge := contract.DeviceSignals{UA: "u", Platform: "p", Mobile: true, Languages: []string{"ja"}, Timezone: "z", TZOffset: 1,
		ScreenW: 1, ScreenH: 1, ColorDepth: 1, PixelRatio: 1, HWConcurrency: 1, TouchPoints: 1, Webdriver: true, DeviceID: "i"}
	if got, want := jsonKeys(t, full), jsonKeys(t, fullEdge); !slices.Equal(got, want) {
		t.Errorf("view.Device JSON keys %q\ncontract.DeviceSignals keys %q", got, want)
	}
	if got := sent(t, full); !reflect.DeepEqual(got, fullEdge) {
		t.Errorf("sent %+v, want %+v", got, fullEdge)
	}

	// A real browser's signals arrive unchanged and pass the edge's limits.
	phone := view.Device{
		UA:       "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
		Platform: "iPhone", Mobile: true, Languages: []string{"ja-JP", "en-US"}, Timezone: "Asia/Tokyo", TZOffset: -540,
		ScreenW: 390, ScreenH: 844, ColorDepth: 24, PixelRatio: 3, HWConcurrency: 8, TouchPoints: 5,
		DeviceID: view.NewDeviceID([16]byte{1, 2, 3}),
	}
	got := sent(t, phone)
	if err := got.Validate(); err != nil {
		t.Errorf("a phone's signals: %v", err)
	}
	if got.UA != phone.UA || got.DeviceID != phone.DeviceID || !slices.Equal(got.Languages, phone.Languages) ||
		got.TZOffset != phone.TZOffset || got.PixelRatio != phone.PixelRatio || got.ScreenH != phone.ScreenH {
		t.Errorf("sent %+v\nfrom %+v", got, phone)
	}
	if none := sent(t, view.Device{}); none.Validate() != nil {
		t.Errorf("no signals at all: %v", none.Validate())
	}

	// Whatever odd values a browser reports, the client sends what the
	// edge accepts, rather than losing the challenge to a 400.
	langs := []string{strings.Repeat("x", 36)}
	for range 20 {
		langs = append(langs, "ja-JP")
	}
	odd := []view.Device{
		{UA: strings.Repeat("あ", 200), Platform: strings.Repeat("p", 65), Languages: langs,
			Timezone: strings.Repeat("t", 65), DeviceID: strings.Repeat("d", 65), TZOffset: -100000,
			ScreenW: -1, ScreenH: 1 << 30, ColorDepth: 1000, PixelRatio: 1e6, HWConcurrency: -4, TouchPoints: 1 << 20},
		{TZOffset: math.MaxInt, ScreenW: math.MinInt, PixelRatio: -1},
	}
	for i, d := range odd {
		// Unchecked, the edge would refuse it; the test would prove nothing
		// otherwise.
		raw := contract.DeviceSignals{UA: d.UA, Languages: d.Languages, TZOffset: d.TZOffset, ScreenW: d.ScreenW, PixelRatio: d.PixelRatio}
		if raw.Validate() == nil {
			t.Errorf("odd device %d: the edge would accept it as is", i)
		}
		got := sent(t, d)
		if err := got.Validate(); err != nil {
			t.Errorf("odd device %d: the client sends what the edge refuses: %v", i, err)
		}
		if d.UA != "" && (got.UA == "" || !strings.HasPrefix(d.UA, got.UA) || !json.Valid([]byte(`"`+got.UA+`"`))) {
			t.Errorf("odd device %d: UA %q not cut at a character boundary", i, got.UA)
		}
	}
}
