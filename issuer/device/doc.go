// Package device recognises a cardholder's browser from one purchase to the
// next, across merchant sites, for the risk decision.
//
// Two things identify a device. A signed cookie (Cookies) is exact but lives
// per merchant site: the edge's frame is third-party on every shop, and
// browsers partition its cookies by top-level site (CHIPS), or keep none. A
// Fingerprint of the stable signals the browser shows (browser family and
// version, platform, screen, time zone, languages, processors, ...) crosses
// sites but is fuzzy: Match says whether two fingerprints are probably the
// same browser, at the false-match rate measured in README.md, and
// Consistent says whether a cookie's device still looks like the one that
// earned it, so that a replayed cookie with other signals is not "known".
//
// The package is pure (the standard library and edge/contract, no I/O):
// the store keeps fingerprints as JSON, the use cases decide what a match
// is worth.
package device
