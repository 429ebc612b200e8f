package summary

import (
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the summary is a leaf of the standard library, without
// networking, fmt or reflect, so the wasm client links it at the cost of
// its own few functions.
func TestImportRules(t *testing.T) {
	deptest.StdlibLeaf(t, "github.com/honnin/honnin/edge/summary", "net/...", "fmt", "reflect")
}
