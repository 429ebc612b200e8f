package device

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/contract"
)

// FuzzOpen opens any value. Properties: no panic; a value opens only when
// it is exactly what Mint makes of its id (minted again from the id, it
// is the same string), so no other spelling of a cookie is accepted.
func FuzzOpen(f *testing.F) {
	c := NewCookies(testKey)
	v, _ := c.Mint()
	f.Add(v)
	f.Add(v[:len(v)-1])
	f.Add(v + "=")
	f.Add("d1.")
	f.Add("")
	f.Add("d1.AAECAwQFBgcICQoLDA0ODylwB4KF4HQWYIcRyVIPfZc")
	f.Add("d1.AAECAwQFBgcICQoLDA0ODylwB4KF4HQWYIcRyVIPfZd")
	f.Fuzz(func(t *testing.T, value string) {
		id, ok := c.Open(value)
		if !ok {
			if id != "" {
				t.Fatalf("Open(%q) refused but returned id %q", value, id)
			}
			return
		}
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(raw) != idLen {
			t.Fatalf("Open(%q) = id %q, not base64url of 16 bytes", value, id)
		}
		if again := c.value([idLen]byte(raw)); again != value {
			t.Fatalf("Open accepted %q, but its id mints %q", value, again)
		}
	})
}

// FuzzFromSignals fingerprints any signals. Properties: no panic; the
// fingerprint survives its JSON (the stored form) unchanged; its screen is
// sorted and its numbers are never negative; it matches itself when it
// has what Match needs, and is consistent with itself always.
func FuzzFromSignals(f *testing.F) {
	f.Add(uaChromeWindows, "Win32", false, "ja", "en-US", "Asia/Tokyo", 1920, 1080, 24, 1.25, 8, 0)
	f.Add(uaSafariIPhone, "iPhone", true, "ja-JP", "", "Asia/Tokyo", 393, 852, 24, 3.0, 4, 5)
	f.Add("", "", false, "", "", "", -1, 1<<20, -5, math.NaN(), -3, -1)
	f.Add("Mozilla/5.0 (((", "Linux armv8l", true, "\xff", "x", "UTC", 0, 0, 0, math.Inf(-1), 0, 0)
	f.Fuzz(func(t *testing.T, ua, platform string, mobile bool, lang1, lang2, tz string, w, h, depth int, ratio float64, cores, touch int) {
		var langs []string
		for _, l := range []string{lang1, lang2} {
			if l != "" {
				langs = append(langs, l)
			}
		}
		fp := FromSignals(contract.DeviceSignals{UA: ua, Platform: platform, Mobile: mobile, Languages: langs, Timezone: tz,
			ScreenW: w, ScreenH: h, ColorDepth: depth, PixelRatio: ratio, HWConcurrency: cores, TouchPoints: touch})
		if fp.ScreenLong < fp.ScreenShort || fp.ScreenShort < 0 || fp.ColorDepth < 0 || fp.Cores < 0 || fp.TouchPoints < 0 ||
			fp.Major < 0 || !(fp.PixelRatio >= 0) || math.IsInf(fp.PixelRatio, 0) {
			t.Fatalf("FromSignals gave %+v", fp)
		}
		if ua == "" && fp.Browser != "" {
			t.Fatalf("no user agent, browser %q", fp.Browser)
		}
		b, err := json.Marshal(fp)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", fp, err)
		}
		var back Fingerprint
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		// JSON replaces invalid UTF-8 (the browser sends none: the edge
		// decodes JSON), so the fingerprint comes back unchanged when its
		// strings are valid.
		valid := utf8.ValidString(fp.Platform) && utf8.ValidString(fp.Timezone)
		for _, l := range fp.Languages {
			valid = valid && utf8.ValidString(l)
		}
		if valid && !reflect.DeepEqual(back, fp) {
			t.Fatalf("JSON round trip: %+v then %+v", fp, back)
		}
		if fp.Empty() != reflect.DeepEqual(fp, Fingerprint{}) {
			t.Fatalf("Empty() = %v for %+v", fp.Empty(), fp)
		}
		agree, differ := Compare(fp, fp)
		if differ != 0 {
			t.Fatalf("%+v differs from itself in %d signals", fp, differ)
		}
		enough := fp.Browser != "" && fp.Platform != "" && fp.Timezone != "" && agree >= MatchMin &&
			(!fp.Mobile || fp.ScreenLong != 0)
		if Match(fp, fp) != enough {
			t.Fatalf("Match(%+v, itself) = %v, want %v", fp, !enough, enough)
		}
		if ok, why := Consistent(fp, "JP", 1, fp, "JP", 1); !ok {
			t.Fatalf("%+v is inconsistent with itself: %s", fp, why)
		}
	})
}
