package contract

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// The messages are built with strconv, not fmt: the challenge client
// imports this package, and fmt would link reflect and os into it.

// Limits of the signals. Real values are far inside them; anything beyond
// is garbage (or an attempt to fill the issuer's records) and refused.
const (
	maxUA            = 512     // bytes
	maxPlatform      = 64      // bytes
	maxLanguages     = 16      // entries
	maxLanguage      = 35      // bytes per entry: a BCP 47 tag (RFC 5646 §4.4.1)
	maxTimezone      = 64      // bytes
	maxDeviceID      = 64      // bytes
	maxTZOffset      = 24 * 60 // minutes either way
	maxScreen        = 1 << 16 // CSS pixels per side
	maxColorDepth    = 64      // bits per pixel
	maxPixelRatio    = 64
	maxHWConcurrency = 4096
	maxTouchPoints   = 1024
	maxIP            = 64 // bytes: an IPv6 address with a zone fits
	maxCountry       = 8  // bytes: ISO 3166-1 alpha-2, or a CDN's "XX", "T1"
	maxASN           = 1<<32 - 1
	maxColo          = 8  // bytes: an IATA code (NRT)
	maxTLSVersion    = 16 // bytes: "TLSv1.3"
	maxDeviceCookie  = 128
)

// DeviceCookieName is the edge's device cookie: an id the issuer signed,
// set by the edge as Secure, HttpOnly, SameSite=None and Partitioned
// (CHIPS), so that it is kept per merchant site even where the browser
// blocks third-party storage. The edge passes it on unread
// (EdgeSignals.DeviceCookie); only the issuer can mint or check one.
const DeviceCookieName = "honnin_device"

// DeviceSignals are what the wasm client collected in the browser, for the
// issuer's risk decision: the "device" object of the edge's POST /v1/start,
// which the edge passes on in the issuer's internal start. Every field is
// optional; a zero value means "not available".
//
// The wasm client fills it and sends it through WithinLimits, so that a
// browser's odd value never costs the cardholder the challenge.
type DeviceSignals struct {
	// UA is navigator.userAgent.
	UA string `json:"ua,omitempty"`
	// Platform is navigator.userAgentData.platform, else navigator.platform.
	Platform string `json:"platform,omitempty"`
	// Mobile is navigator.userAgentData.mobile.
	Mobile bool `json:"mobile,omitempty"`
	// Languages is navigator.languages, most preferred first.
	Languages []string `json:"languages,omitempty"`
	// Timezone is the IANA time zone name (Asia/Tokyo).
	Timezone string `json:"timezone,omitempty"`
	// TZOffset is Date.getTimezoneOffset(): minutes to add to local time to
	// get UTC (-540 in Japan).
	TZOffset int `json:"tz_offset,omitempty"`
	// ScreenW and ScreenH are the screen's size in CSS pixels.
	ScreenW int `json:"screen_w,omitempty"`
	ScreenH int `json:"screen_h,omitempty"`
	// ColorDepth is screen.colorDepth, in bits per pixel.
	ColorDepth int `json:"color_depth,omitempty"`
	// PixelRatio is window.devicePixelRatio.
	PixelRatio float64 `json:"pixel_ratio,omitempty"`
	// HWConcurrency is navigator.hardwareConcurrency (logical processors).
	HWConcurrency int `json:"hw_concurrency,omitempty"`
	// TouchPoints is navigator.maxTouchPoints.
	TouchPoints int `json:"touch_points,omitempty"`
	// Webdriver is navigator.webdriver: the browser is automated.
	Webdriver bool `json:"webdriver,omitempty"`
	// DeviceID is a random id the client keeps in its (partitioned) local
	// storage.
	DeviceID string `json:"device_id,omitempty"`
}

// Validate checks the lengths, counts and ranges of the signals, so that the
// edge and the issuer refuse the same garbage. It says which field is wrong.
func (d *DeviceSignals) Validate() error {
	if err := maxBytes("ua", d.UA, maxUA); err != nil {
		return err
	}
	if err := maxBytes("platform", d.Platform, maxPlatform); err != nil {
		return err
	}
	if len(d.Languages) > maxLanguages {
		return errors.New("languages has more than " + strconv.Itoa(maxLanguages) + " entries")
	}
	for i, l := range d.Languages {
		if err := maxBytes("languages["+strconv.Itoa(i)+"]", l, maxLanguage); err != nil {
			return err
		}
	}
	if err := maxBytes("timezone", d.Timezone, maxTimezone); err != nil {
		return err
	}
	if err := maxBytes("device_id", d.DeviceID, maxDeviceID); err != nil {
		return err
	}
	for _, n := range []struct {
		name     string
		v        int
		min, max int
	}{
		{"tz_offset", d.TZOffset, -maxTZOffset, maxTZOffset},
		{"screen_w", d.ScreenW, 0, maxScreen},
		{"screen_h", d.ScreenH, 0, maxScreen},
		{"color_depth", d.ColorDepth, 0, maxColorDepth},
		{"hw_concurrency", d.HWConcurrency, 0, maxHWConcurrency},
		{"touch_points", d.TouchPoints, 0, maxTouchPoints},
	} {
		if n.v < n.min || n.v > n.max {
			return errors.New(n.name + " must be from " + strconv.Itoa(n.min) + " to " + strconv.Itoa(n.max))
		}
	}
	// Written so that NaN fails too.
	if !(d.PixelRatio >= 0 && d.PixelRatio <= maxPixelRatio) {
		return errors.New("pixel_ratio must be from 0 to " + strconv.Itoa(maxPixelRatio))
	}
	return nil
}

// WithinLimits returns d with every value Validate would refuse made
// acceptable: a long UA is cut at a character boundary (its start is the
// useful part), other over-long strings and language tags are dropped,
// languages beyond the limit are left out, and a number out of range
// becomes 0 ("not available"). The client sends what it returns, so the
// edge never refuses a start for a browser's odd value.
func (d DeviceSignals) WithinLimits() DeviceSignals {
	if len(d.UA) > maxUA {
		n := maxUA
		for n > 0 && !utf8.RuneStart(d.UA[n]) {
			n--
		}
		d.UA = d.UA[:n]
	}
	d.Platform = dropLonger(d.Platform, maxPlatform)
	d.Timezone = dropLonger(d.Timezone, maxTimezone)
	d.DeviceID = dropLonger(d.DeviceID, maxDeviceID)
	var langs []string
	for _, l := range d.Languages {
		if len(l) <= maxLanguage && len(langs) < maxLanguages {
			langs = append(langs, l)
		}
	}
	d.Languages = langs
	d.TZOffset = zeroOutside(d.TZOffset, -maxTZOffset, maxTZOffset)
	d.ScreenW = zeroOutside(d.ScreenW, 0, maxScreen)
	d.ScreenH = zeroOutside(d.ScreenH, 0, maxScreen)
	d.ColorDepth = zeroOutside(d.ColorDepth, 0, maxColorDepth)
	d.HWConcurrency = zeroOutside(d.HWConcurrency, 0, maxHWConcurrency)
	d.TouchPoints = zeroOutside(d.TouchPoints, 0, maxTouchPoints)
	if !(d.PixelRatio >= 0 && d.PixelRatio <= maxPixelRatio) { // NaN too
		d.PixelRatio = 0
	}
	return d
}

func dropLonger(s string, limit int) string {
	if len(s) > limit {
		return ""
	}
	return s
}

func zeroOutside(n, lo, hi int) int {
	if n < lo || n > hi {
		return 0
	}
	return n
}

// EdgeSignals are what the edge itself observed about the client's
// connection: the "edge" object of the issuer's internal start. On Workers
// they come from request.cf; natively, Country comes only from a header set
// by a proxy the operator trusts (see edge/clientip), and ASN, Colo and
// TLSVersion stay empty.
type EdgeSignals struct {
	// IP is the client's address: the connection's peer, or what a trusted
	// proxy says it is.
	IP string `json:"ip"`
	// Country is the edge's geolocation of IP (ISO 3166-1 alpha-2, or a
	// CDN's "XX", "T1"); empty when unknown.
	Country string `json:"country"`
	// ASN is the autonomous system number of IP (request.cf.asn); 0 when
	// unknown.
	ASN int64 `json:"asn,omitempty"`
	// Colo is the edge data centre that served the request
	// (request.cf.colo, an IATA code).
	Colo string `json:"colo,omitempty"`
	// TLSVersion is the client connection's TLS version
	// (request.cf.tlsVersion, "TLSv1.3").
	TLSVersion string `json:"tls_version,omitempty"`
	// DeviceCookie is the value of the client's DeviceCookieName cookie as
	// the edge received it: unverified (the issuer checks its signature).
	DeviceCookie string `json:"device_cookie,omitempty"`
}

// Validate checks the lengths and ranges of the signals.
func (e *EdgeSignals) Validate() error {
	if err := maxBytes("ip", e.IP, maxIP); err != nil {
		return err
	}
	if err := maxBytes("country", e.Country, maxCountry); err != nil {
		return err
	}
	if e.ASN < 0 || e.ASN > maxASN {
		return errors.New("asn must be from 0 to " + strconv.FormatInt(maxASN, 10))
	}
	if err := maxBytes("colo", e.Colo, maxColo); err != nil {
		return err
	}
	if err := maxBytes("device_cookie", e.DeviceCookie, maxDeviceCookie); err != nil {
		return err
	}
	return maxBytes("tls_version", e.TLSVersion, maxTLSVersion)
}

func maxBytes(name, v string, limit int) error {
	if len(v) > limit {
		return errors.New(name + " is longer than " + strconv.Itoa(limit) + " bytes")
	}
	return nil
}
