// Package deptest turns the project's import rules into tests: the edge
// never imports the issuer (its Workers binary must stay small, and the
// issuer's secrets must never be one import away), the wasm client imports
// no HTTP stack, the store no HTTP at all. A rule written as a test fails
// the change that breaks it, where a rule written in a document does not.
//
// It asks the go command (go list -deps) for the packages a package
// imports, directly or not, for a target platform, so a rule about the
// js/wasm builds is checked on the machine that runs the tests; and the
// linker (-ldflags=-dumpdep) for the symbols a binary keeps, for a rule
// that an import cannot express (net/http imports crypto/tls, but a binary
// that dials nothing links none of its handshake).
//
// A rule names a package ("net/http"), the packages below a path
// ("github.com/honnin/honnin/issuer/": issuer/api, not issuer itself), or,
// as go list patterns do, a path and every package below it
// ("github.com/honnin/honnin/issuer/...": issuer and issuer/api).
package deptest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Deps returns the import paths pkg depends on (itself included) when
// built for goos/goarch ("" for the host's).
func Deps(t testing.TB, pkg, goos, goarch string) []string {
	t.Helper()
	return strings.Fields(string(goCmd(t, goos, goarch, "list", "-deps", "-f", "{{.ImportPath}}", pkg)))
}

// Forbid fails t for every dependency of pkg (built for goos/goarch) that
// one of the rules names.
func Forbid(t testing.TB, pkg, goos, goarch string, rules ...string) {
	t.Helper()
	for _, dep := range Deps(t, pkg, goos, goarch) {
		if r := Match(dep, rules...); r != "" {
			t.Errorf("%s (GOOS=%s) depends on %s, which the rule %q forbids", pkg, goos, dep, r)
		}
	}
}

// StdlibLeaf fails t unless pkg, built for the wasm client (js/wasm),
// depends on the standard library alone and on none of the packages the
// rules name: the rule of every leaf the client and both servers share
// (edge/contract, edge/summary, ...), written once.
func StdlibLeaf(t testing.TB, pkg string, rules ...string) {
	t.Helper()
	for _, dep := range Deps(t, pkg, "js", "wasm") {
		first, _, _ := strings.Cut(dep, "/")
		switch {
		case dep == pkg:
		case strings.Contains(first, "."):
			t.Errorf("%s depends on %s, outside the standard library", pkg, dep)
		case Match(dep, rules...) != "":
			t.Errorf("%s depends on %s, which the rule %q forbids", pkg, dep, Match(dep, rules...))
		}
	}
}

// Match returns the first of rules that names dep, or "".
func Match(dep string, rules ...string) string {
	for _, r := range rules {
		switch {
		case strings.HasSuffix(r, "/..."):
			root := strings.TrimSuffix(r, "/...")
			if dep == root || strings.HasPrefix(dep, root+"/") {
				return r
			}
		case strings.HasSuffix(r, "/"):
			if strings.HasPrefix(dep, r) {
				return r
			}
		case dep == r:
			return r
		}
	}
	return ""
}

// DepsEach returns, for every package matching pattern ("./..." style
// patterns are relative to the test's directory; an import path pattern
// such as "github.com/honnin/honnin/edge/..." is not) built for
// goos/goarch, the import paths it depends on, itself included. With
// tests, a package's dependencies include those of its tests, internal and
// external. A package whose own dependencies cannot all be built for
// goos/goarch (a cgo-free SQLite has no js/wasm port) is still listed: the
// rules are about what it imports.
func DepsEach(t testing.TB, pattern, goos, goarch string, tests bool) map[string][]string {
	t.Helper()
	args := []string{"list", "-e", "-json=ImportPath,ForTest,Deps,Error"}
	if tests {
		args = append(args, "-test")
	}
	out := map[string][]string{}
	for _, p := range list(t, goos, goarch, append(args, pattern)...) {
		if p.Error != nil {
			t.Fatalf("go list %s (GOOS=%s): %s: %s", pattern, goos, p.ImportPath, p.Error.Err)
		}
		// Test variants are "p [p.test]", "p_test [p.test]" and the test
		// main "p.test": all of them are p's.
		name := p.ForTest
		if name == "" {
			name = strings.TrimSuffix(p.ImportPath, ".test")
		}
		deps := out[name]
		for _, d := range append(p.Deps, p.ImportPath) {
			d, _, _ = strings.Cut(d, " ")
			d = strings.TrimSuffix(d, ".test")
			if d != name+"_test" && !slices.Contains(deps, d) {
				deps = append(deps, d)
			}
		}
		out[name] = deps
	}
	if len(out) == 0 {
		t.Fatalf("go list %s (GOOS=%s): no packages", pattern, goos)
	}
	for _, deps := range out {
		slices.Sort(deps)
	}
	return out
}

// Imports returns the import paths pkg imports directly when built for
// goos/goarch, for a rule about a package's own code rather than what its
// dependencies use.
func Imports(t testing.TB, pkg, goos, goarch string) []string {
	t.Helper()
	return strings.Fields(string(goCmd(t, goos, goarch, "list", "-f", `{{join .Imports " "}}`, pkg)))
}

// Importers returns the packages in pkg's dependencies (built for
// goos/goarch) that import dep directly.
func Importers(t testing.TB, pkg, goos, goarch, dep string) []string {
	t.Helper()
	var out []string
	for _, p := range list(t, goos, goarch, "list", "-deps", "-json=ImportPath,Imports", pkg) {
		if slices.Contains(p.Imports, dep) {
			out = append(out, p.ImportPath)
		}
	}
	return out
}

// HasCode reports whether pkg is a package with Go files other than tests,
// for a rule about a package that a change under way is creating.
func HasCode(t testing.TB, pkg string) bool {
	t.Helper()
	ps := list(t, "", "", "list", "-e", "-json=ImportPath,GoFiles", pkg)
	return len(ps) == 1 && len(ps[0].GoFiles) > 0
}

// Linked returns the symbols the linker keeps when it links the main
// package pkg for goos/goarch: functions, methods, variables and type
// descriptors, as the linker names them ("crypto/tls.(*Conn).Handshake",
// "type:net/http.Request"). The names of the per-function metadata that
// the linker shares between identical copies (".arginfo1", ".opendefer",
// ...) are left out: one of them reached through another function's copy
// does not mean the function it is named after is linked.
func Linked(t testing.TB, pkg, goos, goarch string) []string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bin")
	dump := goCmd(t, goos, goarch, "build", "-ldflags=-dumpdep", "-o", bin, pkg)
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(dump))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		// "from -> to", each possibly followed by " <UsedInIface>".
		for _, s := range strings.Split(sc.Text(), " -> ") {
			s = strings.TrimSuffix(s, " <UsedInIface>")
			if s != "_" && !strings.HasPrefix(s, "# ") && !funcdata.MatchString(s) {
				seen[s] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("go build -ldflags=-dumpdep %s: %v", pkg, err)
	}
	if len(seen) == 0 {
		t.Fatalf("go build -ldflags=-dumpdep %s (GOOS=%s): no symbols", pkg, goos)
	}
	return slices.Sorted(func(yield func(string) bool) {
		for s := range seen {
			if !yield(s) {
				return
			}
		}
	})
}

// funcdata matches the names of the linker's per-function metadata.
var funcdata = regexp.MustCompile(`\.(arginfo\d+|argliveinfo|opendefer|stkobj|wrapinfo)$`)

// pkg is what deptest reads of go list -json.
type pkg struct {
	ImportPath string
	ForTest    string
	GoFiles    []string
	Imports    []string
	Deps       []string
	Error      *struct{ Err string }
}

// list runs go list with args, one of them a -json flag, and decodes its
// answer.
func list(t testing.TB, goos, goarch string, args ...string) []pkg {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(goCmd(t, goos, goarch, args...)))
	var out []pkg
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		out = append(out, p)
	}
}

// goCmd runs the go command for goos/goarch and returns its standard
// output, or its standard error for go build (where -dumpdep writes).
func goCmd(t testing.TB, goos, goarch string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Env = os.Environ()
	if goos != "" {
		cmd.Env = append(cmd.Env, "GOOS="+goos, "GOARCH="+goarch)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %s (GOOS=%s): %v: %s", strings.Join(args, " "), goos, err, tail(stderr.Bytes()))
	}
	if args[0] == "build" {
		return stderr.Bytes()
	}
	return stdout.Bytes()
}

// tail is the end of a long error output.
func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}
