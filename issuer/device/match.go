package device

import "strings"

// MatchMin is how many of the soft signals (screen, colour depth, pixel
// ratio, processors, touch points, first language, browser version) must
// agree for Match: 5 of the 7, so a device may drift in two of them at once
// (an external monitor changes the screen and the pixel ratio) but not in
// three. Chosen by measurement: README.md has the false-match and
// true-match rates at 4, 5, 6 and 7, and TestPopulation fails when the
// rates at this value leave their bounds.
const MatchMin = 5

// majorDrift is how many major versions a browser may have moved between
// two fingerprints of the same device: browsers update every four weeks,
// and a card's devices are remembered for months.
const majorDrift = 3

// Match reports whether seen is probably the browser known was
// fingerprinted from. The browser family, platform, mobile flag and time
// zone must be equal and known: a device does not change them, and a
// fingerprint without them says too little. Then the soft signals are
// counted: each one that both fingerprints know and that agrees (the same
// screen, colour depth, pixel ratio, processors, touch points, first
// language; a browser major version within 3) is one agreement, and
// MatchMin agreements are a match. A signal either side does not know
// does not count, so a sparse fingerprint matches nothing.
//
// A match is a fuzzy judgement, not an identity: browsers of the same
// phone model in the same city look alike (README.md has the rates), and
// every signal comes from a client that may lie. It is meant to spare a
// cardholder the code on a new merchant site, not to prove who they are.
func Match(known, seen Fingerprint) bool {
	return match(known, seen, MatchMin, phoneScreen)
}

// phoneScreen: on a phone the screen must agree too. A phone has no
// external monitor, and its screen is most of what tells one phone model
// from another (README.md has the rates with and without).
const phoneScreen = true

// match is Match with its parameters, for the measurements.
func match(known, seen Fingerprint, minAgree int, phoneScreen bool) bool {
	if known.Browser == "" || known.Platform == "" || known.Timezone == "" {
		return false
	}
	if known.Browser != seen.Browser || known.Platform != seen.Platform ||
		known.Mobile != seen.Mobile || known.Timezone != seen.Timezone {
		return false
	}
	if phoneScreen && known.Mobile && !sameScreen(known, seen) {
		return false
	}
	return Agreements(known, seen) >= minAgree
}

func sameScreen(a, b Fingerprint) bool {
	return a.ScreenLong != 0 && a.ScreenLong == b.ScreenLong && a.ScreenShort == b.ScreenShort
}

// Agreements counts the soft signals two fingerprints both know and agree
// on (at most 7), for Match and for an operator's explanation.
func Agreements(a, b Fingerprint) int {
	n := 0
	agree := func(x, y int) {
		if x != 0 && x == y {
			n++
		}
	}
	if sameScreen(a, b) {
		n++
	}
	agree(a.ColorDepth, b.ColorDepth)
	if a.PixelRatio != 0 && a.PixelRatio == b.PixelRatio {
		n++
	}
	agree(a.Cores, b.Cores)
	agree(a.TouchPoints, b.TouchPoints)
	if len(a.Languages) > 0 && len(b.Languages) > 0 && strings.EqualFold(a.Languages[0], b.Languages[0]) {
		n++
	}
	if a.Major != 0 && b.Major != 0 && abs(release(a.Browser, a.Major)-release(b.Browser, b.Major)) <= majorDrift {
		n++
	}
	return n
}

// release numbers a browser's major versions consecutively: Safari went
// from 18 to 26 (2025), one update.
func release(family string, major int) int {
	if family == Safari && major >= 26 {
		return major - 7
	}
	return major
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Why Consistent says no.
const (
	WhyBrowser  = "browser"
	WhyPlatform = "platform"
	WhyMobile   = "mobile"
	WhyCountry  = "country"
	WhyNetwork  = "network"
)

// Consistent reports whether a device id presented with the signals seen
// (and the edge's country and ASN) still looks like the device the id was
// given to (known, with the country and ASN it had then). An id is a
// bearer token; replayed from a script, or copied to another machine, it
// comes with another browser, platform or network, and is then not the
// same device: why names the first difference (WhyBrowser, WhyPlatform,
// WhyMobile, WhyCountry, WhyNetwork). Only what both sides know is
// compared, so a record from before fingerprints, or a client that sent
// no signals, is judged by the network alone.
//
// The soft signals are left out on purpose: a browser update or an
// external monitor does not make an id suspicious.
func Consistent(known Fingerprint, knownCountry string, knownASN int64, seen Fingerprint, country string, asn int64) (ok bool, why string) {
	switch {
	case known.Browser != "" && seen.Browser != "" && known.Browser != seen.Browser:
		return false, WhyBrowser
	case known.Platform != "" && seen.Platform != "" && known.Platform != seen.Platform:
		return false, WhyPlatform
	case known.Browser != "" && seen.Browser != "" && known.Mobile != seen.Mobile:
		// Mobile is known only with a user agent: false is also what an
		// empty fingerprint holds.
		return false, WhyMobile
	case knownCountry != "" && country != "" && !strings.EqualFold(knownCountry, country):
		return false, WhyCountry
	case knownASN != 0 && asn != 0 && knownASN != asn:
		return false, WhyNetwork
	}
	return true, ""
}
