package ledger

import (
	"os"
	"strings"
	"testing"
)

// TestBenchTwinSQL: make bench's platform twin (e2e/edge-twin.mjs) runs the
// statements of a wrong code's count as the edge does (one D1 batch), or
// its figure is not the platform's share of a verify.
func TestBenchTwinSQL(t *testing.T) {
	twin, err := os.ReadFile("../../e2e/edge-twin.mjs")
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]string{"countSQL": countSQL, "countCredSQL": countCredSQL, "queueTrySQL": queueTrySQL} {
		if !strings.Contains(string(twin), q) {
			t.Errorf("e2e/edge-twin.mjs does not hold %s as written here:\n%s", name, q)
		}
	}
}
