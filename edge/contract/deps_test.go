package contract

import (
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the contract is a leaf of the standard library without
// any networking package, so the wasm client links it without an HTTP
// stack, and either side imports it without anything of the other.
func TestImportRules(t *testing.T) {
	const self = "github.com/honnin/honnin/edge/contract"
	for _, dep := range deptest.Deps(t, self, "js", "wasm") {
		first, _, _ := strings.Cut(dep, "/")
		switch {
		case dep == self:
		case strings.Contains(first, "."):
			t.Errorf("%s depends on %s, outside the standard library", self, dep)
		case first == "net":
			t.Errorf("%s depends on %s, a networking package", self, dep)
		}
	}
}
