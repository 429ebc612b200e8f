// Package e2e holds the end-to-end tests: they start the real programs
// (mail sink, issuer, edge, shop) as processes through package stack and
// drive Debian's Chromium with chromedp, as a cardholder would.
//
// `make test` builds the programs first and passes their folder in
// HONNIN_BIN. Without it, or without Chromium, the tests skip on a laptop and
// fail when CI=true.
package e2e
