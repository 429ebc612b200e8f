package device

import "strings"

// MatchMin and MatchMaxDiffer are Match's thresholds on the soft signals
// (screen, colour depth, pixel ratio, processors, touch points, first
// language, browser version): at least 4 agree and at most 2 differ. A
// device may drift in two at once (an external monitor changes the screen
// and the pixel ratio; a zoom and a browser update) but not in three, and
// a fingerprint must show 4 signals to match at all. Chosen by measurement:
// README.md has the false-match and true-match rates of the neighbouring
// rules, and TestPopulation fails when the rates of this one leave their
// bounds.
const (
	MatchMin       = 4
	MatchMaxDiffer = 2
)

// majorDrift is how many major versions a browser may have moved between
// two fingerprints of the same device: browsers update every four weeks,
// and a card's devices are remembered for months.
const majorDrift = 3

// Match reports whether seen is probably the browser known was
// fingerprinted from. The browser family, platform, mobile flag and time
// zone must be equal and known: a device does not change them, and a
// fingerprint without them says too little. On a phone the screen must be
// the same too. Then the soft signals both fingerprints know are compared
// (the screen, colour depth, pixel ratio, processors, touch points and
// first language agree when equal; the browser's major version when
// within 3): MatchMin must agree and at most MatchMaxDiffer differ. A
// signal either side does not know (zero) counts neither way, so a sparse
// fingerprint matches nothing.
//
// A match is a fuzzy judgement, not an identity: browsers of the same
// phone model in the same city look alike (README.md has the rates), and
// every signal comes from a client that may lie. It is meant to spare a
// cardholder the code on a new merchant site, not to prove who they are.
func Match(known, seen Fingerprint) bool {
	return match(known, seen, MatchMin, MatchMaxDiffer, phoneScreen)
}

// phoneScreen: on a phone the screen must agree too. A phone has no
// external monitor, and its screen is most of what tells one phone model
// from another (README.md has the rates with and without).
const phoneScreen = true

// match is Match with its parameters, for the measurements.
func match(known, seen Fingerprint, minAgree, maxDiffer int, phoneScreen bool) bool {
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
	agree, differ := Compare(known, seen)
	return agree >= minAgree && differ <= maxDiffer
}

func sameScreen(a, b Fingerprint) bool {
	return a.ScreenLong != 0 && a.ScreenLong == b.ScreenLong && a.ScreenShort == b.ScreenShort
}

// Compare counts the soft signals (at most 7) that two fingerprints both
// know and agree on, and those they both know and differ in, for Match and
// for an operator's explanation.
func Compare(a, b Fingerprint) (agree, differ int) {
	count := func(known, same bool) {
		switch {
		case !known:
		case same:
			agree++
		default:
			differ++
		}
	}
	count(a.ScreenLong != 0 && b.ScreenLong != 0, a.ScreenLong == b.ScreenLong && a.ScreenShort == b.ScreenShort)
	count(a.ColorDepth != 0 && b.ColorDepth != 0, a.ColorDepth == b.ColorDepth)
	count(a.PixelRatio != 0 && b.PixelRatio != 0, a.PixelRatio == b.PixelRatio)
	count(a.Cores != 0 && b.Cores != 0, a.Cores == b.Cores)
	count(a.TouchPoints != 0 && b.TouchPoints != 0, a.TouchPoints == b.TouchPoints)
	count(len(a.Languages) > 0 && len(b.Languages) > 0, len(a.Languages) > 0 && len(b.Languages) > 0 &&
		strings.EqualFold(a.Languages[0], b.Languages[0]))
	count(a.Major != 0 && b.Major != 0, abs(release(a.Browser, a.Major)-release(b.Browser, b.Major)) <= majorDrift)
	return agree, differ
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
