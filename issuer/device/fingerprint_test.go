package device

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/honnin/honnin/edge/contract"
)

// User agents of current browsers, as they send them (late 2025).
const (
	uaChromeWindows  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
	uaChromeMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
	uaChromeAndroid  = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36"
	uaChromeTablet   = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
	uaChromeIOS      = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/142.0.7444.77 Mobile/15E148 Safari/604.1"
	uaChromeOS       = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
	uaHeadless       = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.0.0 Safari/537.36"
	uaEdgeWindows    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0"
	uaEdgeAndroid    = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36 EdgA/142.0.0.0"
	uaEdgeIOS        = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 EdgiOS/142.3595.61 Mobile/15E148 Safari/605.1.15"
	uaEdgeLegacy     = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582"
	uaFirefoxWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0"
	uaFirefoxLinux   = "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0"
	uaFirefoxAndroid = "Mozilla/5.0 (Android 15; Mobile; rv:145.0) Gecko/145.0 Firefox/145.0"
	uaFirefoxIOS     = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/145.0 Mobile/15E148 Safari/605.1.15"
	uaSafariMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15"
	uaSafariIPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1"
	uaSafariIPad     = "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1"
	uaSamsung        = "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36"
	uaOpera          = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 OPR/124.0.0.0"
	uaLineIOS        = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/15.10.0"
	uaLineAndroid    = "Mozilla/5.0 (Linux; Android 14; SH-M26 Build/S8200; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/142.0.7444.48 Mobile Safari/537.36 Line/15.10.1/IAB"
	uaWebView        = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
)

func TestParseUA(t *testing.T) {
	tests := []struct {
		ua     string
		family string
		major  int
	}{
		{uaChromeWindows, Chrome, 142},
		{uaChromeMac, Chrome, 142},
		{uaChromeAndroid, Chrome, 142},
		{uaChromeIOS, Chrome, 142},
		{uaChromeOS, Chrome, 142},
		{uaHeadless, Chrome, 142},
		{uaEdgeWindows, Edge, 142},
		{uaEdgeAndroid, Edge, 142},
		{uaEdgeIOS, Edge, 142},
		{uaEdgeLegacy, Edge, 18},
		{uaFirefoxWindows, Firefox, 145},
		{uaFirefoxAndroid, Firefox, 145},
		{uaFirefoxIOS, Firefox, 145},
		{uaSafariMac, Safari, 26},
		{uaSafariIPhone, Safari, 18},
		{uaSafariIPad, Safari, 18},
		{uaSamsung, Samsung, 28},
		{uaOpera, Opera, 124},
		{uaLineIOS, Other, 0},
		{uaLineAndroid, Other, 0},
		{uaWebView, Other, 0},
		{"curl/8.5.0", Other, 0},
		{"python-requests/2.32.3", Other, 0},
		{"Chrome", Other, 0},
		{"Chrome/", Chrome, 0},
		{"Chrome/x.1", Chrome, 0},
		{"Chrome/123456.0", Chrome, 0},
		{"Chrome/99999.0", Chrome, 99999},
		{"Mozilla/5.0 (Windows NT 10.0; Chrome/1.0)", Other, 0}, // in a comment
		{"Mozilla/5.0 (((( Chrome/1", Other, 0},
		{"Mozilla/5.0 ))) Firefox/2", Firefox, 2},
		{"Safari/605.1.15", Other, 0}, // Safari without Version
		{"Version/17.0", Other, 0},
		{"\x00\xff/\x01", Other, 0},
		{"", "", 0},
		{"   ", "", 0},
	}
	for _, tt := range tests {
		family, major := ParseUA(tt.ua)
		if family != tt.family || major != tt.major {
			t.Errorf("ParseUA(%q) = %q, %d; want %q, %d", tt.ua, family, major, tt.family, tt.major)
		}
	}
}

func TestFromSignals(t *testing.T) {
	tests := []struct {
		name string
		in   contract.DeviceSignals
		want Fingerprint
	}{
		{"Chrome on Windows with client hints",
			contract.DeviceSignals{UA: uaChromeWindows, Platform: "Windows", Languages: []string{"ja", "en-US"}, Timezone: "Asia/Tokyo",
				TZOffset: -540, ScreenW: 1536, ScreenH: 864, ColorDepth: 24, PixelRatio: 1.25, HWConcurrency: 12, DeviceID: "x"},
			Fingerprint{Browser: Chrome, Major: 142, Platform: Windows, ScreenLong: 1536, ScreenShort: 864, ColorDepth: 24,
				PixelRatio: 1.25, Cores: 12, Timezone: "Asia/Tokyo", Languages: []string{"ja", "en-US"}}},
		{"Firefox on Windows: navigator.platform, a zoomed pixel ratio",
			contract.DeviceSignals{UA: uaFirefoxWindows, Platform: "Win32", PixelRatio: 1.100000023841858},
			Fingerprint{Browser: Firefox, Major: 145, Platform: Windows, PixelRatio: 1.1}},
		{"Safari on a Mac", contract.DeviceSignals{UA: uaSafariMac, Platform: "MacIntel", ScreenW: 1512, ScreenH: 982, PixelRatio: 2},
			Fingerprint{Browser: Safari, Major: 26, Platform: MacOS, ScreenLong: 1512, ScreenShort: 982, PixelRatio: 2}},
		{"Safari on an iPhone, turned sideways: mobile from the user agent, the screen sorted",
			contract.DeviceSignals{UA: uaSafariIPhone, Platform: "iPhone", ScreenW: 852, ScreenH: 393, PixelRatio: 3, TouchPoints: 5},
			Fingerprint{Browser: Safari, Major: 18, Platform: IOS, Mobile: true, ScreenLong: 852, ScreenShort: 393, PixelRatio: 3, TouchPoints: 5}},
		{"iPad asking for desktop sites: a Mac with a touch screen",
			contract.DeviceSignals{UA: uaSafariMac, Platform: "MacIntel", TouchPoints: 5},
			Fingerprint{Browser: Safari, Major: 26, Platform: IOS, TouchPoints: 5}},
		{"iPad's own user agent: not mobile", contract.DeviceSignals{UA: uaSafariIPad, Platform: "iPad"},
			Fingerprint{Browser: Safari, Major: 18, Platform: IOS}},
		{"Chrome on Android with client hints", contract.DeviceSignals{UA: uaChromeAndroid, Platform: "Android", Mobile: true},
			Fingerprint{Browser: Chrome, Major: 142, Platform: Android, Mobile: true}},
		{"Chrome on an Android tablet", contract.DeviceSignals{UA: uaChromeTablet, Platform: "Android"},
			Fingerprint{Browser: Chrome, Major: 142, Platform: Android}},
		{"Firefox on Android: navigator.platform says Linux", contract.DeviceSignals{UA: uaFirefoxAndroid, Platform: "Linux aarch64"},
			Fingerprint{Browser: Firefox, Major: 145, Platform: Android, Mobile: true}},
		{"Samsung Internet: Linux armv8l", contract.DeviceSignals{UA: uaSamsung, Platform: "Linux armv8l"},
			Fingerprint{Browser: Samsung, Major: 28, Platform: Android, Mobile: true}},
		{"ChromeOS, as client hints name it", contract.DeviceSignals{UA: uaChromeOS, Platform: "Chrome OS"},
			Fingerprint{Browser: Chrome, Major: 142, Platform: ChromeOS}},
		{"ChromeOS, navigator.platform", contract.DeviceSignals{UA: uaChromeOS, Platform: "Linux x86_64"},
			Fingerprint{Browser: Chrome, Major: 142, Platform: ChromeOS}},
		{"Firefox on Linux", contract.DeviceSignals{UA: uaFirefoxLinux, Platform: "Linux x86_64"},
			Fingerprint{Browser: Firefox, Major: 145, Platform: Linux}},
		{"HeadlessChrome on Linux", contract.DeviceSignals{UA: uaHeadless, Platform: "Linux"},
			Fingerprint{Browser: Chrome, Major: 142, Platform: Linux}},
		{"platform from the user agent alone", contract.DeviceSignals{UA: uaEdgeWindows},
			Fingerprint{Browser: Edge, Major: 142, Platform: Windows}},
		{"an unknown platform kept as given", contract.DeviceSignals{Platform: "FreeBSD amd64"},
			Fingerprint{Platform: "FreeBSD amd64"}},
		{"languages as given, order kept", contract.DeviceSignals{Languages: []string{"en-US", "ja-JP", "ja"}},
			Fingerprint{Languages: []string{"en-US", "ja-JP", "ja"}}},
		{"garbage numbers are unknown", contract.DeviceSignals{ScreenW: -1, ScreenH: 800, ColorDepth: -24, PixelRatio: math.NaN(),
			HWConcurrency: -8, TouchPoints: -1}, Fingerprint{ScreenLong: 800}},
		{"infinite pixel ratio", contract.DeviceSignals{PixelRatio: math.Inf(1)}, Fingerprint{}},
		{"nothing", contract.DeviceSignals{}, Fingerprint{}},
	}
	for _, tt := range tests {
		got := FromSignals(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestFromSignalsCopiesLanguages(t *testing.T) {
	langs := []string{"ja", "en"}
	f := FromSignals(contract.DeviceSignals{Languages: langs})
	langs[0] = "fr"
	if f.Languages[0] != "ja" {
		t.Errorf("the fingerprint shares the signals' languages: %v", f.Languages)
	}
}

func TestEmpty(t *testing.T) {
	if !(Fingerprint{}).Empty() || !FromSignals(contract.DeviceSignals{}).Empty() {
		t.Error("a zero fingerprint is not Empty")
	}
	// Signals a fingerprint does not keep leave it empty.
	if !FromSignals(contract.DeviceSignals{DeviceID: "d", Webdriver: true, TZOffset: -540}).Empty() {
		t.Error("a fingerprint of only a device id and webdriver is not Empty")
	}
	for _, f := range []Fingerprint{{Browser: Other}, {Major: 1}, {Platform: "x"}, {Mobile: true}, {ScreenLong: 1}, {ScreenShort: 1},
		{ColorDepth: 24}, {PixelRatio: 1}, {Cores: 1}, {TouchPoints: 1}, {Timezone: "UTC"}, {Languages: []string{"ja"}}} {
		if f.Empty() {
			t.Errorf("%+v is Empty", f)
		}
	}
}

// TestFingerprintJSON: the stored format. Field names are part of the
// stored rows (card_devices.fingerprint) and must not change.
func TestFingerprintJSON(t *testing.T) {
	f := Fingerprint{Browser: Chrome, Major: 142, Platform: Windows, Mobile: true, ScreenLong: 1920, ScreenShort: 1080,
		ColorDepth: 24, PixelRatio: 1.25, Cores: 8, TouchPoints: 10, Timezone: "Asia/Tokyo", Languages: []string{"ja", "en"}}
	const want = `{"browser":"chrome","major":142,"platform":"Windows","mobile":true,"screen_long":1920,"screen_short":1080,` +
		`"color_depth":24,"pixel_ratio":1.25,"cores":8,"touch_points":10,"timezone":"Asia/Tokyo","languages":["ja","en"]}`
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Fingerprint
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, f) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	if b, _ := json.Marshal(Fingerprint{}); string(b) != "{}" {
		t.Errorf("empty fingerprint: %s, want {}", b)
	}
}
