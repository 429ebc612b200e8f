package contract

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSignals decodes device and edge signals as the edge and the issuer do
// and validates them. Properties: what Validate accepts is within every
// documented limit (checked here independently of signals.go), decoded
// strings are valid UTF-8, and accepted signals survive a JSON round trip
// unchanged and still valid: the edge passes on to the issuer exactly what
// it checked. Device signals of any value, brought WithinLimits, pass
// Validate, and valid ones are left as they are: the client's odd values
// never cost a challenge, and its good ones reach the issuer.
func FuzzSignals(f *testing.F) {
	typical, err := json.Marshal(StartRequest{Device: ptr(typicalDevice()),
		Edge: &EdgeSignals{IP: "203.0.113.7", Country: "JP", ASN: 2516, Colo: "NRT", TLSVersion: "TLSv1.3"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(typical)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"device":{"languages":[],"pixel_ratio":1e308,"tz_offset":-1440}}`))
	f.Add([]byte(`{"device":{"ua":"\ud800","screen_w":65536},"edge":{"asn":4294967295,"ip":"::ffff:1.2.3.4%eth0"}}`))
	f.Add([]byte(`{"device":null,"edge":{"asn":-1}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var b StartRequest
		if json.Unmarshal(body, &b) != nil {
			return
		}
		if d := b.Device; d != nil {
			w := d.WithinLimits()
			if err := w.Validate(); err != nil {
				t.Fatalf("WithinLimits gives what Validate refuses: %v\n%+v", err, w)
			}
			if d.Validate() == nil && !reflect.DeepEqual(normalDevice(w), normalDevice(*d)) {
				t.Fatalf("WithinLimits changed valid signals:\n%+v\n%+v", *d, w)
			}
			if !strings.HasPrefix(d.UA, w.UA) || utf8.ValidString(d.UA) && !utf8.ValidString(w.UA) {
				t.Fatalf("UA %q cut to %q", d.UA, w.UA)
			}
		}
		if d := b.Device; d != nil && d.Validate() == nil {
			checkDeviceBounds(t, d)
			var again DeviceSignals
			roundTrip(t, d, &again)
			if err := again.Validate(); err != nil {
				t.Fatalf("device valid, then invalid after a JSON round trip: %v", err)
			}
			if !reflect.DeepEqual(normalDevice(*d), normalDevice(again)) {
				t.Fatalf("device changed in a JSON round trip:\n%+v\n%+v", *d, again)
			}
		}
		if e := b.Edge; e != nil && e.Validate() == nil {
			for _, s := range []string{e.IP, e.Country, e.Colo, e.TLSVersion} {
				if !utf8.ValidString(s) {
					t.Fatalf("decoded edge signal is not UTF-8: %q", s)
				}
			}
			if len(e.IP) > 64 || len(e.Country) > 8 || len(e.Colo) > 8 || len(e.TLSVersion) > 16 || e.ASN < 0 || e.ASN > math.MaxUint32 {
				t.Fatalf("edge signals out of bounds accepted: %+v", e)
			}
			var again EdgeSignals
			roundTrip(t, e, &again)
			if again != *e || again.Validate() != nil {
				t.Fatalf("edge signals changed in a JSON round trip:\n%+v\n%+v", *e, again)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

func roundTrip(t *testing.T, in, out any) {
	t.Helper()
	j, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("marshal accepted signals: %v", err)
	}
	if err := json.Unmarshal(j, out); err != nil {
		t.Fatalf("unmarshal %s: %v", j, err)
	}
}

// normalDevice makes an empty language list nil: omitempty drops both.
func normalDevice(d DeviceSignals) DeviceSignals {
	if len(d.Languages) == 0 {
		d.Languages = nil
	}
	return d
}

// checkDeviceBounds restates DeviceSignals' documented limits.
func checkDeviceBounds(t *testing.T, d *DeviceSignals) {
	t.Helper()
	strs := append([]string{d.UA, d.Platform, d.Timezone, d.DeviceID}, d.Languages...)
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Fatalf("decoded device signal is not UTF-8: %q", s)
		}
	}
	ok := len(d.UA) <= 512 && len(d.Platform) <= 64 && len(d.Timezone) <= 64 && len(d.DeviceID) <= 64 &&
		len(d.Languages) <= 16 &&
		d.TZOffset >= -1440 && d.TZOffset <= 1440 &&
		d.ScreenW >= 0 && d.ScreenW <= 65536 && d.ScreenH >= 0 && d.ScreenH <= 65536 &&
		d.ColorDepth >= 0 && d.ColorDepth <= 64 &&
		d.PixelRatio >= 0 && d.PixelRatio <= 64 && !math.IsNaN(d.PixelRatio) &&
		d.HWConcurrency >= 0 && d.HWConcurrency <= 4096 && d.TouchPoints >= 0 && d.TouchPoints <= 1024
	for _, l := range d.Languages {
		ok = ok && len(l) <= 35
	}
	if !ok {
		t.Fatalf("device signals out of bounds accepted: %+v", d)
	}
}
