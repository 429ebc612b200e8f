// Package testenv is the e2e tests' rule for what they need of the machine
// (Chromium, oathtool, the built programs): skip on a laptop, where the
// tool may simply not be installed, and fail in CI (CI=true), where `make
// deps` installed everything, so that a CI run cannot go green having
// skipped what it was there to prove.
//
// It stands in for edge/testenv, which the unit tests' helper adds with
// the same Need and CI: once that lands, the e2e packages import it instead
// and this one goes.
package testenv

import (
	"os"
	"testing"
)

// CI reports whether the tests run in CI (CI=true), where a missing tool is
// a broken setup, not a reason to skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Need ends t when err is not nil: what t needs is missing, and err says
// why. It skips t, or fails it when CI reports true. A nil err returns at
// once.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := "needs " + what + ": " + err.Error()
	if CI() {
		t.Fatal(msg + " (CI=true: make deps installs it; a missing tool fails here, it does not skip)")
	}
	t.Skip(msg)
}
