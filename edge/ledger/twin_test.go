package ledger

import (
	"os"
	"strings"
	"testing"
)

// TestBenchTwinSQL: make bench's platform twin (e2e/edge-twin.mjs) runs the
// ledger's statement as the edge does, or its figure is not the
// platform's share of a verify.
func TestBenchTwinSQL(t *testing.T) {
	twin, err := os.ReadFile("../../e2e/edge-twin.mjs")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(twin), attemptSQL) {
		t.Errorf("e2e/edge-twin.mjs does not hold attemptSQL as written here:\n%s", attemptSQL)
	}
}
