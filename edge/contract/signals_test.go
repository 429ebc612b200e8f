package contract

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// typicalDevice is what a phone's browser sends.
func typicalDevice() DeviceSignals {
	return DeviceSignals{
		UA:       "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
		Platform: "iPhone", Mobile: true, Languages: []string{"ja-JP", "en-US"},
		Timezone: "Asia/Tokyo", TZOffset: -540, ScreenW: 390, ScreenH: 844, ColorDepth: 24,
		PixelRatio: 3, HWConcurrency: 8, TouchPoints: 5, DeviceID: "12345678-9abc-4ef0-9234-56789abcdef0",
	}
}

func TestDeviceSignalsValidate(t *testing.T) {
	tests := []struct {
		name  string
		mut   func(*DeviceSignals)
		field string // "" means valid
	}{
		{"typical", func(*DeviceSignals) {}, ""},
		{"zero", func(d *DeviceSignals) { *d = DeviceSignals{} }, ""},
		{"ua at the limit", func(d *DeviceSignals) { d.UA = strings.Repeat("u", 512) }, ""},
		{"ua too long", func(d *DeviceSignals) { d.UA = strings.Repeat("u", 513) }, "ua"},
		{"platform too long", func(d *DeviceSignals) { d.Platform = strings.Repeat("p", 65) }, "platform"},
		{"16 languages", func(d *DeviceSignals) { d.Languages = make([]string, 16) }, ""},
		{"17 languages", func(d *DeviceSignals) { d.Languages = make([]string, 17) }, "languages"},
		{"language at the limit", func(d *DeviceSignals) { d.Languages = []string{strings.Repeat("l", 35)} }, ""},
		{"language too long", func(d *DeviceSignals) { d.Languages = []string{"ja", strings.Repeat("l", 36)} }, "languages[1]"},
		{"timezone too long", func(d *DeviceSignals) { d.Timezone = strings.Repeat("t", 65) }, "timezone"},
		{"device_id at the limit", func(d *DeviceSignals) { d.DeviceID = strings.Repeat("d", 64) }, ""},
		{"device_id too long", func(d *DeviceSignals) { d.DeviceID = strings.Repeat("d", 65) }, "device_id"},
		{"tz_offset UTC+14", func(d *DeviceSignals) { d.TZOffset = -840 }, ""},
		{"tz_offset UTC-12", func(d *DeviceSignals) { d.TZOffset = 720 }, ""},
		{"tz_offset over a day", func(d *DeviceSignals) { d.TZOffset = 1441 }, "tz_offset"},
		{"tz_offset under minus a day", func(d *DeviceSignals) { d.TZOffset = -1441 }, "tz_offset"},
		{"screen_w negative", func(d *DeviceSignals) { d.ScreenW = -1 }, "screen_w"},
		{"screen_h huge", func(d *DeviceSignals) { d.ScreenH = 1 << 20 }, "screen_h"},
		{"screen 8K", func(d *DeviceSignals) { d.ScreenW, d.ScreenH = 7680, 4320 }, ""},
		{"color_depth 48", func(d *DeviceSignals) { d.ColorDepth = 48 }, ""},
		{"color_depth huge", func(d *DeviceSignals) { d.ColorDepth = 65 }, "color_depth"},
		{"pixel_ratio fractional", func(d *DeviceSignals) { d.PixelRatio = 1.25 }, ""},
		{"pixel_ratio negative", func(d *DeviceSignals) { d.PixelRatio = -1 }, "pixel_ratio"},
		{"pixel_ratio huge", func(d *DeviceSignals) { d.PixelRatio = 1e9 }, "pixel_ratio"},
		{"pixel_ratio NaN", func(d *DeviceSignals) { d.PixelRatio = math.NaN() }, "pixel_ratio"},
		{"pixel_ratio Inf", func(d *DeviceSignals) { d.PixelRatio = math.Inf(1) }, "pixel_ratio"},
		{"hw_concurrency 256", func(d *DeviceSignals) { d.HWConcurrency = 256 }, ""},
		{"hw_concurrency negative", func(d *DeviceSignals) { d.HWConcurrency = -8 }, "hw_concurrency"},
		{"hw_concurrency huge", func(d *DeviceSignals) { d.HWConcurrency = 1 << 30 }, "hw_concurrency"},
		{"touch_points 256", func(d *DeviceSignals) { d.TouchPoints = 256 }, ""},
		{"touch_points negative", func(d *DeviceSignals) { d.TouchPoints = -1 }, "touch_points"},
		{"touch_points huge", func(d *DeviceSignals) { d.TouchPoints = 1 << 20 }, "touch_points"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := typicalDevice()
			tt.mut(&d)
			err := d.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.field+" ") {
				t.Fatalf("Validate = %v, want an error about %s", err, tt.field)
			}
		})
	}
}

// TestWithinLimits: what the client sends for a browser's values. Each
// odd value is cut or dropped on its own, the rest kept; the result always
// passes Validate.
func TestWithinLimits(t *testing.T) {
	langs := []string{strings.Repeat("x", 36)}
	for range 20 {
		langs = append(langs, "ja-JP")
	}
	tests := []struct {
		name string
		mut  func(*DeviceSignals) // of the typical device
		want func(*DeviceSignals) // of the typical device; nil: mut's
	}{
		{"typical", func(*DeviceSignals) {}, nil},
		{"zero", func(d *DeviceSignals) { *d = DeviceSignals{} }, nil},
		{"limits", func(d *DeviceSignals) {
			d.UA, d.Platform, d.DeviceID = strings.Repeat("u", 512), strings.Repeat("p", 64), strings.Repeat("d", 64)
			d.TZOffset, d.ScreenW, d.ColorDepth, d.PixelRatio, d.HWConcurrency, d.TouchPoints = -1440, 1<<16, 64, 64, 4096, 1024
		}, nil},
		{"ua cut", func(d *DeviceSignals) { d.UA = strings.Repeat("u", 513) }, func(d *DeviceSignals) { d.UA = strings.Repeat("u", 512) }},
		{"ua cut at a character", func(d *DeviceSignals) { d.UA = strings.Repeat("あ", 200) }, func(d *DeviceSignals) { d.UA = strings.Repeat("あ", 170) }},
		{"platform", func(d *DeviceSignals) { d.Platform = strings.Repeat("p", 65) }, func(d *DeviceSignals) { d.Platform = "" }},
		{"timezone", func(d *DeviceSignals) { d.Timezone = strings.Repeat("t", 65) }, func(d *DeviceSignals) { d.Timezone = "" }},
		{"device_id", func(d *DeviceSignals) { d.DeviceID = strings.Repeat("d", 65) }, func(d *DeviceSignals) { d.DeviceID = "" }},
		{"languages", func(d *DeviceSignals) { d.Languages = langs }, func(d *DeviceSignals) { d.Languages = langs[1:17] }},
		{"tz_offset", func(d *DeviceSignals) { d.TZOffset = -100000 }, func(d *DeviceSignals) { d.TZOffset = 0 }},
		{"screen", func(d *DeviceSignals) { d.ScreenW, d.ScreenH = math.MinInt, 1<<30 }, func(d *DeviceSignals) { d.ScreenW, d.ScreenH = 0, 0 }},
		{"color_depth", func(d *DeviceSignals) { d.ColorDepth = 1000 }, func(d *DeviceSignals) { d.ColorDepth = 0 }},
		{"pixel_ratio NaN", func(d *DeviceSignals) { d.PixelRatio = math.NaN() }, func(d *DeviceSignals) { d.PixelRatio = 0 }},
		{"pixel_ratio huge", func(d *DeviceSignals) { d.PixelRatio = 1e6 }, func(d *DeviceSignals) { d.PixelRatio = 0 }},
		{"pixel_ratio negative", func(d *DeviceSignals) { d.PixelRatio = -1 }, func(d *DeviceSignals) { d.PixelRatio = 0 }},
		{"hw_concurrency", func(d *DeviceSignals) { d.HWConcurrency = -4 }, func(d *DeviceSignals) { d.HWConcurrency = 0 }},
		{"touch_points", func(d *DeviceSignals) { d.TouchPoints = math.MaxInt }, func(d *DeviceSignals) { d.TouchPoints = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := typicalDevice()
			tt.mut(&in)
			want := in
			if tt.want != nil {
				if in.Validate() == nil {
					t.Fatal("the input is valid: the case proves nothing")
				}
				want = typicalDevice()
				tt.want(&want)
			}
			got := in.WithinLimits()
			if !reflect.DeepEqual(normalDevice(got), normalDevice(want)) {
				t.Errorf("WithinLimits\n got %+v\nwant %+v", got, want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("WithinLimits gives what Validate refuses: %v", err)
			}
		})
	}
}

func TestEdgeSignalsValidate(t *testing.T) {
	tests := []struct {
		e     EdgeSignals
		field string
	}{
		{EdgeSignals{}, ""},
		{EdgeSignals{IP: "203.0.113.7", Country: "JP"}, ""},
		{EdgeSignals{IP: "2001:db8:1234:5678:9abc:def0:1234:5678", Country: "T1"}, ""},
		{EdgeSignals{IP: "fe80::1%" + strings.Repeat("e", 64)}, "ip"},
		{EdgeSignals{IP: "203.0.113.7", Country: "Japan, Tokyo"}, "country"},
		{EdgeSignals{IP: "203.0.113.7", Country: "JP", ASN: 2516, Colo: "NRT", TLSVersion: "TLSv1.3"}, ""},
		{EdgeSignals{ASN: -1}, "asn"},
		{EdgeSignals{ASN: 1 << 32}, "asn"},
		{EdgeSignals{Colo: "TOKYO-NARITA"}, "colo"},
		{EdgeSignals{TLSVersion: strings.Repeat("v", 17)}, "tls_version"},
	}
	for _, tt := range tests {
		err := tt.e.Validate()
		if tt.field == "" && err != nil || tt.field != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.field+" ")) {
			t.Errorf("Validate(%+v) = %v, want error about %q", tt.e, err, tt.field)
		}
	}
}

// The JSON names are the contract between the wasm client, the edge and
// the issuer; a typo would silently drop a risk signal.
func TestSignalsJSONNames(t *testing.T) {
	d := DeviceSignals{UA: "u", Platform: "p", Mobile: true, Languages: []string{"ja"}, Timezone: "z", TZOffset: 1,
		ScreenW: 1, ScreenH: 1, ColorDepth: 1, PixelRatio: 1, HWConcurrency: 1, TouchPoints: 1, Webdriver: true, DeviceID: "i"}
	b, err := json.Marshal(struct {
		Device DeviceSignals `json:"device"`
		Edge   EdgeSignals   `json:"edge"`
	}{d, EdgeSignals{IP: "i", Country: "c", ASN: 2, Colo: "o", TLSVersion: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"device":{"ua":"u","platform":"p","mobile":true,"languages":["ja"],"timezone":"z","tz_offset":1,` +
		`"screen_w":1,"screen_h":1,"color_depth":1,"pixel_ratio":1,"hw_concurrency":1,"touch_points":1,"webdriver":true,"device_id":"i"},` +
		`"edge":{"ip":"i","country":"c","asn":2,"colo":"o","tls_version":"t"}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}
