package view

import "unicode/utf8"

// Device is the DeviceSignals object sent with /v1/start. The browser side
// fills it; every field is optional for the edge, and a zero value means
// "not available".
//
// Its JSON field names must match contract.DeviceSignals (edge/contract); TestDeviceContract checks.
type Device struct {
	UA            string   `json:"ua"`
	Platform      string   `json:"platform"`
	Mobile        bool     `json:"mobile"`
	Languages     []string `json:"languages,omitempty"`
	Timezone      string   `json:"timezone"`
	TZOffset      int      `json:"tz_offset"`
	ScreenW       int      `json:"screen_w"`
	ScreenH       int      `json:"screen_h"`
	ColorDepth    int      `json:"color_depth"`
	PixelRatio    float64  `json:"pixel_ratio"`
	HWConcurrency int      `json:"hw_concurrency"`
	TouchPoints   int      `json:"touch_points"`
	Webdriver     bool     `json:"webdriver"`
	DeviceID      string   `json:"device_id"`
}

// Limits of contract.DeviceSignals.Validate, which the edge enforces with
// a 400; within keeps a browser's odd value from costing the cardholder
// the challenge. TestDeviceContract checks them against Validate.
const (
	maxUA         = 512
	maxShort      = 64 // platform, timezone, device_id
	maxLanguages  = 16
	maxLanguage   = 35
	maxTZOffset   = 24 * 60
	maxScreen     = 1 << 16
	maxColorDepth = 64
	maxPixelRatio = 64
	maxHWThreads  = 4096
	maxTouch      = 1024
)

// within returns d inside the limits the edge enforces: a long UA is cut,
// other over-long strings and language tags are dropped, and a number out
// of range becomes 0 ("not available").
func (d Device) within() Device {
	if len(d.UA) > maxUA {
		n := maxUA
		for n > 0 && !utf8.RuneStart(d.UA[n]) {
			n--
		}
		d.UA = d.UA[:n]
	}
	d.Platform = short(d.Platform)
	d.Timezone = short(d.Timezone)
	d.DeviceID = short(d.DeviceID)
	var langs []string
	for _, l := range d.Languages {
		if len(l) <= maxLanguage && len(langs) < maxLanguages {
			langs = append(langs, l)
		}
	}
	d.Languages = langs
	d.TZOffset = inRange(d.TZOffset, -maxTZOffset, maxTZOffset)
	d.ScreenW = inRange(d.ScreenW, 0, maxScreen)
	d.ScreenH = inRange(d.ScreenH, 0, maxScreen)
	d.ColorDepth = inRange(d.ColorDepth, 0, maxColorDepth)
	d.HWConcurrency = inRange(d.HWConcurrency, 0, maxHWThreads)
	d.TouchPoints = inRange(d.TouchPoints, 0, maxTouch)
	if !(d.PixelRatio >= 0 && d.PixelRatio <= maxPixelRatio) { // NaN too
		d.PixelRatio = 0
	}
	return d
}

func short(s string) string {
	if len(s) > maxShort {
		return ""
	}
	return s
}

func inRange(n, lo, hi int) int {
	if n < lo || n > hi {
		return 0
	}
	return n
}

const hexDigits = "0123456789abcdef"

// NewDeviceID formats 16 random bytes as an RFC 9562 version 4 UUID. The
// browser supplies the bytes from crypto.getRandomValues: crypto.randomUUID
// throws outside secure contexts, and Go's crypto/rand would add size.
func NewDeviceID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexDigits[c>>4], hexDigits[c&0x0f])
	}
	return string(out)
}

// ValidDeviceID reports whether s looks like an id NewDeviceID made. A value
// read back from localStorage is untrusted (another script on the edge
// origin, or a user, may have written it), so anything else is replaced.
func ValidDeviceID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		case 14:
			if c != '4' {
				return false
			}
		case 19:
			if c != '8' && c != '9' && c != 'a' && c != 'b' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
