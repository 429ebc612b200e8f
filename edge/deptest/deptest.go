// Package deptest turns the project's import rules into tests: the edge
// never imports the issuer (its Workers binary must stay small, and the
// issuer's secrets must never be one import away), the wasm client imports
// no HTTP stack, the store no HTTP at all. A rule written as a test fails
// the change that breaks it, where a rule written in a document does not.
//
// It asks the go command (go list -deps) for the packages a package
// imports, directly or not, for a target platform, so a rule about the
// js/wasm builds is checked on the machine that runs the tests.
package deptest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Deps returns the import paths pkg depends on (itself included) when
// built for goos/goarch ("" for the host's).
func Deps(t testing.TB, pkg, goos, goarch string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg)
	cmd.Env = os.Environ()
	if goos != "" {
		cmd.Env = append(cmd.Env, "GOOS="+goos, "GOARCH="+goarch)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s (GOOS=%s): %v: %s", pkg, goos, err, stderr.Bytes())
	}
	return strings.Fields(string(out))
}

// Forbid fails t for every dependency of pkg (built for goos/goarch) that
// one of the rules names: a rule ending in "/" forbids every package
// below it, any other only that package.
func Forbid(t testing.TB, pkg, goos, goarch string, rules ...string) {
	t.Helper()
	for _, dep := range Deps(t, pkg, goos, goarch) {
		for _, r := range rules {
			if dep == r || (strings.HasSuffix(r, "/") && strings.HasPrefix(dep, r)) {
				t.Errorf("%s (GOOS=%s) depends on %s, which the rule %q forbids", pkg, goos, dep, r)
			}
		}
	}
}
