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
		{[]string{"os/"}, 1},    // os/exec
		{[]string{"os/..."}, 2}, // os and os/exec
		{[]string{"net/http", "github.com/honnin/honnin/issuer/..."}, 0},
		{[]string{"os/ex"}, 0}, // not a prefix of a path, not a tree
	} {
		r := &recorder{TB: t}
		Forbid(r, pkg, "", "", tt.rules...)
		if len(r.errs) != tt.errs {
			t.Errorf("rules %v: %d reports, want %d", tt.rules, len(r.errs), tt.errs)
		}
	}
}

func TestMatch(t *testing.T) {
	const issuer = "github.com/honnin/honnin/issuer"
	for _, tt := range []struct {
		dep   string
		rules []string
		want  string
	}{
		{issuer, []string{issuer + "/"}, ""},
		{issuer + "/api", []string{issuer + "/"}, issuer + "/"},
		{issuer, []string{issuer + "/..."}, issuer + "/..."},
		{issuer + "/api/x", []string{issuer + "/..."}, issuer + "/..."},
		{issuer + "x", []string{issuer + "/...", issuer + "/"}, ""}, // issuerx is not below issuer
		{issuer + "x", []string{issuer}, ""},
		{issuer, []string{"net/http", issuer}, issuer},
		{"net/http/httptest", []string{"net/http"}, ""},
		{"net/http", nil, ""},
	} {
		if got := Match(tt.dep, tt.rules...); got != tt.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tt.dep, tt.rules, got, tt.want)
		}
	}
}

// TestDepsEach: every package of a pattern with its dependencies, those of
// its tests only when asked (edge/money's external test cross-checks with
// golang.org/x/text, which money itself never imports).
func TestDepsEach(t *testing.T) {
	const money, cldr = "github.com/honnin/honnin/edge/money", "golang.org/x/text/currency"
	plain := DepsEach(t, "github.com/honnin/honnin/edge/mo...", "", "", false)
	withTests := DepsEach(t, "github.com/honnin/honnin/edge/mo...", "", "", true)
	for name, each := range map[string]map[string][]string{"plain": plain, "with tests": withTests} {
		if len(each) != 1 || !slices.Contains(each[money], money) || !slices.Contains(each[money], "strconv") {
			t.Errorf("%s: %v", name, each)
		}
		if slices.Contains(each[money], money+"_test") || slices.Contains(each[money], money+".test") {
			t.Errorf("%s: money's own test packages listed as dependencies: %v", name, each[money])
		}
	}
	if slices.Contains(plain[money], cldr) || !slices.Contains(withTests[money], cldr) {
		t.Errorf("%s in edge/money's dependencies: %v without tests, %v with", cldr,
			slices.Contains(plain[money], cldr), slices.Contains(withTests[money], cldr))
	}
	js := DepsEach(t, "github.com/honnin/honnin/edge/promise", "js", "wasm", false)
	if !slices.Contains(js["github.com/honnin/honnin/edge/promise"], "syscall/js") {
		t.Errorf("edge/promise for js/wasm: %v", js)
	}
}

func TestImports(t *testing.T) {
	got := Imports(t, "github.com/honnin/honnin/edge/deptest", "", "")
	if !slices.Contains(got, "os/exec") || slices.Contains(got, "internal/poll") {
		t.Errorf("deptest imports %v: want os/exec, and not os/exec's own imports", got)
	}
}

func TestImporters(t *testing.T) {
	got := Importers(t, "github.com/honnin/honnin/edge/deptest", "", "", "os/exec")
	if !slices.Equal(got, []string{"github.com/honnin/honnin/edge/deptest"}) {
		t.Errorf("importers of os/exec in deptest's dependencies: %v", got)
	}
}

func TestHasCode(t *testing.T) {
	if !HasCode(t, "github.com/honnin/honnin/edge/deptest") {
		t.Error("deptest has no code")
	}
	if HasCode(t, "github.com/honnin/honnin/edge/deptest/nosuchpackage") {
		t.Error("a package that does not exist has code")
	}
}

// TestLinked: the linker keeps what main calls and drops what nothing
// calls.
func TestLinked(t *testing.T) {
	for _, target := range [][2]string{{"", ""}, {"js", "wasm"}} {
		syms := Linked(t, "github.com/honnin/honnin/edge/deptest/testdata/linked", target[0], target[1])
		if !slices.Contains(syms, "main.used") || !slices.Contains(syms, "main.main") || slices.Contains(syms, "main.unused") {
			t.Errorf("GOOS=%s: main.used, main.main, main.unused linked: %v, %v, %v", target[0],
				slices.Contains(syms, "main.used"), slices.Contains(syms, "main.main"), slices.Contains(syms, "main.unused"))
		}
		for _, s := range syms {
			if funcdata.MatchString(s) {
				t.Errorf("GOOS=%s: funcdata %s listed", target[0], s)
			}
		}
	}
}
