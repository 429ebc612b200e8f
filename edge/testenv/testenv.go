// Package testenv is what tests ask of the machine they run on: the tools
// they drive (Chromium, workerd through node, PostgreSQL, oathtool, the
// argon2 CLI) and the time they read. It is in the spirit of Go's own
// internal/testenv, and like it imports the standard library only, so any
// package's tests may use it, the edge's and the wasm client's included.
//
// A test that lacks a tool skips on a laptop, where the tool may simply
// not be installed, and fails in CI (CI=true, as .ci/run sets), where
// `make deps` installed everything: a CI run must not go green having
// skipped what it was there to prove. Need is that rule, written once.
package testenv

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// CI reports whether the tests run in CI: CI=true, as .ci/run sets it.
// There a missing tool is a broken setup, not a reason to skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Need ends t when err is not nil: what t needs (a tool, a build step) is
// missing, and err says why. It skips t, unless CI reports true: then it
// fails t. A nil err returns at once.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := "needs " + what + ": " + err.Error()
	if CI() {
		t.Fatal(msg + " (CI=true: a missing tool is a broken setup, not a skip)")
	}
	t.Skip(msg)
}

// LookPath returns the path of the first of names found on PATH (one tool
// may go by several names, as Chromium does). When none is, it ends t as
// Need does.
func LookPath(t testing.TB, names ...string) string {
	t.Helper()
	var errs []error
	for _, name := range names {
		p, err := exec.LookPath(name)
		if err == nil {
			return p
		}
		errs = append(errs, err)
	}
	Need(t, strings.Join(names, " or "), errors.Join(errs...))
	return "" // not reached: Need skipped or failed t
}
