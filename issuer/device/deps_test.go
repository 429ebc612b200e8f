package device

import (
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the package is pure, the standard library and the
// contract only, and does no I/O of its own (it imports no package that
// reads or writes: the store and the use cases do, it judges).
func TestImportRules(t *testing.T) {
	const self, contract = "github.com/honnin/honnin/issuer/device", "github.com/honnin/honnin/edge/contract"
	for _, dep := range deptest.Deps(t, self, "", "") {
		first, _, _ := strings.Cut(dep, "/")
		if dep != self && dep != contract && strings.Contains(first, ".") {
			t.Errorf("%s depends on %s, outside the standard library and the contract", self, dep)
		}
	}
	for _, p := range deptest.Imports(t, self, "", "") {
		if r := deptest.Match(p, "os", "io", "io/...", "net/...", "database/...", "log", "log/...", "time"); r != "" {
			t.Errorf("%s imports %s: I/O (or a clock) of its own", self, p)
		}
	}
}
