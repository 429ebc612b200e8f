package device

import (
	"math"
	"strings"

	"github.com/honnin/honnin/edge/contract"
)

// Browser families: Fingerprint.Browser.
const (
	Chrome  = "chrome"
	Edge    = "edge"
	Firefox = "firefox"
	Safari  = "safari"
	Samsung = "samsung"
	Opera   = "opera"
	Other   = "other"
)

// Normalised platforms: Fingerprint.Platform. A platform the browser names
// otherwise (FreeBSD) is kept as given.
const (
	Windows  = "Windows"
	MacOS    = "macOS"
	Linux    = "Linux"
	Android  = "Android"
	IOS      = "iOS"
	ChromeOS = "ChromeOS"
)

// Fingerprint is what a browser looks like: the device signals reduced to
// the stable part, normalised so that the same browser gives the same
// fingerprint on every merchant site. It is stored as JSON with the card's
// devices; the field names are part of the stored format. A zero field is
// "not known".
type Fingerprint struct {
	// Browser is the browser family from the user agent (Chrome, Edge, ...,
	// Other); "" without a user agent.
	Browser string `json:"browser,omitempty"`
	// Major is the browser's major version (142); 0 when unknown.
	Major int `json:"major,omitempty"`
	// Platform is the normalised operating system (Windows, macOS, ...).
	Platform string `json:"platform,omitempty"`
	// Mobile: a phone (the browser says so, or its user agent does).
	Mobile bool `json:"mobile,omitempty"`
	// ScreenLong and ScreenShort are the screen's sides in CSS pixels, the
	// longer first, so a phone turned sideways is the same screen.
	ScreenLong  int `json:"screen_long,omitempty"`
	ScreenShort int `json:"screen_short,omitempty"`
	// ColorDepth is in bits per pixel.
	ColorDepth int `json:"color_depth,omitempty"`
	// PixelRatio is devicePixelRatio rounded to 2 decimals (browser zoom
	// gives 1.1000000238418579).
	PixelRatio float64 `json:"pixel_ratio,omitempty"`
	// Cores is navigator.hardwareConcurrency.
	Cores int `json:"cores,omitempty"`
	// TouchPoints is navigator.maxTouchPoints.
	TouchPoints int `json:"touch_points,omitempty"`
	// Timezone is the IANA time zone name, as given.
	Timezone string `json:"timezone,omitempty"`
	// Languages are navigator.languages as given, most preferred first.
	Languages []string `json:"languages,omitempty"`
}

// FromSignals reduces the client's device signals to a fingerprint. It
// takes any input (values outside contract's limits are read as unknown)
// and never fails.
func FromSignals(s contract.DeviceSignals) Fingerprint {
	f := Fingerprint{Timezone: s.Timezone}
	f.Browser, f.Major = ParseUA(s.UA)
	f.Platform = platform(s.Platform, s.UA, s.TouchPoints)
	f.Mobile = s.Mobile || uaMobile(s.UA)
	w, h := positive(s.ScreenW), positive(s.ScreenH)
	f.ScreenLong, f.ScreenShort = max(w, h), min(w, h)
	f.ColorDepth = positive(s.ColorDepth)
	if s.PixelRatio > 0 && s.PixelRatio < 1e6 { // NaN fails too
		f.PixelRatio = math.Round(s.PixelRatio*100) / 100
	}
	f.Cores = positive(s.HWConcurrency)
	f.TouchPoints = positive(s.TouchPoints)
	if len(s.Languages) > 0 {
		f.Languages = append([]string(nil), s.Languages...)
	}
	return f
}

func positive(n int) int { return max(n, 0) }

// Empty reports whether the fingerprint holds no signal at all: the client
// sent none, or the row predates fingerprints.
func (f Fingerprint) Empty() bool {
	return f.Browser == "" && f.Major == 0 && f.Platform == "" && !f.Mobile &&
		f.ScreenLong == 0 && f.ScreenShort == 0 && f.ColorDepth == 0 && f.PixelRatio == 0 &&
		f.Cores == 0 && f.TouchPoints == 0 && f.Timezone == "" && len(f.Languages) == 0
}

// inApp names the products whose user agents carry a Chrome or Safari token
// but are not that browser: in-app browsers (LINE is most of them in
// Japan) and browsers built on Chromium that name themselves. Their storage
// is their own, so they are another browser.
var inApp = []string{"Line", "FBAV", "FBAN", "Instagram", "YaBrowser", "UCBrowser", "Vivaldi", "DuckDuckGo", "Whale"}

// ParseUA returns the browser family and major version a user agent
// names: Edge (Edg, EdgA, EdgiOS, Edge), Opera (OPR, OPT), Samsung Internet
// (SamsungBrowser), Chrome (Chrome, CriOS, HeadlessChrome), Firefox
// (Firefox, FxiOS), Safari (Version/N with Safari); anything else, an
// in-app browser included, is Other, and no user agent is "". Chromium's
// browsers all carry "Chrome/" and Safari's "Safari/", so the vendors'
// own tokens are looked for first.
func ParseUA(ua string) (family string, major int) {
	if strings.TrimSpace(ua) == "" {
		return "", 0
	}
	tokens := products(ua)
	for _, name := range inApp {
		if _, ok := tokens[name]; ok {
			return Other, 0
		}
	}
	for _, p := range []struct{ token, family string }{
		{"Edg", Edge}, {"EdgA", Edge}, {"EdgiOS", Edge}, {"Edge", Edge},
		{"OPR", Opera}, {"OPT", Opera},
		{"SamsungBrowser", Samsung},
		{"Chrome", Chrome}, {"CriOS", Chrome}, {"HeadlessChrome", Chrome},
		{"Firefox", Firefox}, {"FxiOS", Firefox},
	} {
		if v, ok := tokens[p.token]; ok {
			return p.family, majorOf(v)
		}
	}
	if v, ok := tokens["Version"]; ok {
		if _, ok := tokens["Safari"]; ok {
			return Safari, majorOf(v)
		}
	}
	return Other, 0
}

// products returns the user agent's product tokens (name/version) outside
// comments, the first of each name.
func products(ua string) map[string]string {
	m := make(map[string]string)
	depth := 0
	start := -1
	flush := func(end int) {
		if start >= 0 {
			if name, v, ok := strings.Cut(ua[start:end], "/"); ok && name != "" {
				if _, seen := m[name]; !seen {
					m[name] = v
				}
			}
		}
		start = -1
	}
	for i := 0; i < len(ua); i++ {
		switch c := ua[i]; {
		case c == '(':
			flush(i)
			depth++
		case c == ')':
			depth = max(depth-1, 0)
		case depth > 0:
		case c == ' ' || c == '\t':
			flush(i)
		case start < 0:
			start = i
		}
	}
	flush(len(ua))
	return m
}

// majorOf returns the leading number of a version (142 of 142.0.0.0), or 0
// when it does not start with 1 to 5 digits.
func majorOf(v string) int {
	n, i := 0, 0
	for ; i < len(v) && i < 6 && v[i] >= '0' && v[i] <= '9'; i++ {
		n = n*10 + int(v[i]-'0')
	}
	if i == 0 || i > 5 {
		return 0
	}
	return n
}

// platform normalises navigator.userAgentData.platform or
// navigator.platform. Where those say less than the user agent (Chrome on
// Android gives "Linux armv8l" without client hints, an iPad's Safari
// says "MacIntel"), the user agent and the touch screen decide: a Mac has
// no touch screen.
func platform(p, ua string, touch int) string {
	lp := strings.ToLower(strings.TrimSpace(p))
	var n string
	switch {
	case lp == "":
	case strings.HasPrefix(lp, "win"):
		n = Windows
	case lp == "macos" || strings.HasPrefix(lp, "mac"):
		n = MacOS
	case lp == "iphone" || lp == "ipad" || lp == "ipod" || lp == "ios" || strings.HasPrefix(lp, "iphone") || strings.HasPrefix(lp, "ipad"):
		n = IOS
	case lp == "android":
		n = Android
	case lp == "chrome os" || lp == "chromeos" || strings.HasPrefix(lp, "cros"):
		n = ChromeOS
	case lp == "linux" || strings.HasPrefix(lp, "linux "):
		n = Linux
	default:
		n = strings.TrimSpace(p)
	}
	switch {
	case (n == "" || n == Linux) && strings.Contains(ua, "Android"):
		return Android
	case (n == "" || n == Linux) && strings.Contains(ua, "CrOS"):
		return ChromeOS
	case (n == "" || n == MacOS) && (strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") || strings.Contains(ua, "iPod")):
		return IOS
	case n == MacOS && touch > 1:
		return IOS // iPadOS asks for desktop sites as a Mac
	case n != "":
		return n
	case strings.Contains(ua, "Windows"):
		return Windows
	case strings.Contains(ua, "Macintosh") || strings.Contains(ua, "Mac OS X"):
		return MacOS
	case strings.Contains(ua, "Linux"):
		return Linux
	}
	return ""
}

// uaMobile reports whether a user agent names a phone: "Mobile" as a
// product or in the comment (Firefox), or an iPhone. Tablets leave it out.
func uaMobile(ua string) bool {
	if strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPod") {
		return true
	}
	if strings.Contains(ua, "iPad") {
		return false
	}
	for _, m := range []string{" Mobile/", " Mobile ", "Mobile;", " Mobile Safari/"} {
		if strings.Contains(ua, m) {
			return true
		}
	}
	return strings.HasSuffix(ua, " Mobile")
}
