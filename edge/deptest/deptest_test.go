package deptest

import (
	"slices"
	"testing"
)

// TestDeps: the go command's view, as Forbid reads it.
func TestDeps(t *testing.T) {
	deps := Deps(t, "github.com/honnin/honnin/edge/deptest", "", "")
	for _, want := range []string{"github.com/honnin/honnin/edge/deptest", "os/exec", "testing"} {
		if !slices.Contains(deps, want) {
			t.Errorf("deps of deptest lack %s: %v", want, deps)
		}
	}
	js := Deps(t, "github.com/honnin/honnin/edge/promise", "js", "wasm")
	if !slices.Contains(js, "syscall/js") {
		t.Errorf("edge/promise for js/wasm does not depend on syscall/js: %v", js)
	}
}

// recorder keeps what Forbid reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) { r.errs = append(r.errs, format) }

// TestForbid: a rule names a package or, ending in "/", a tree; a
// dependency it names is reported, one it does not is not.
func TestForbid(t *testing.T) {
	pkg := "github.com/honnin/honnin/edge/deptest"
	for _, tt := range []struct {
		rules []string
		errs  int
	}{
		{[]string{"os/exec"}, 1},
		{[]string{"os/"}, 1}, // os/exec
		{[]string{"net/http", "github.com/honnin/honnin/issuer/"}, 0},
		{[]string{"os/ex"}, 0}, // not a prefix of a path, not a tree
	} {
		r := &recorder{TB: t}
		Forbid(r, pkg, "", "", tt.rules...)
		if len(r.errs) != tt.errs {
			t.Errorf("rules %v: %d reports, want %d", tt.rules, len(r.errs), tt.errs)
		}
	}
}
