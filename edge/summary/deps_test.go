package summary

import (
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the summary is a leaf of the standard library, without
// networking, fmt or reflect, so the wasm client links it at the cost of
// its own few functions.
func TestImportRules(t *testing.T) {
	const self = "github.com/honnin/honnin/edge/summary"
	for _, dep := range deptest.Deps(t, self, "js", "wasm") {
		first, _, _ := strings.Cut(dep, "/")
		switch {
		case dep == self:
		case strings.Contains(first, "."):
			t.Errorf("%s depends on %s, outside the standard library", self, dep)
		case first == "net" || dep == "fmt" || dep == "reflect":
			t.Errorf("%s depends on %s, which the client must not link", self, dep)
		}
	}
}
