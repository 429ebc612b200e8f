package report

import (
	"os"
	"strings"
	"testing"
)

// TestBenchTwinSQL: make bench's platform twin (e2e/edge-twin.mjs) deletes a
// delivered report as the edge does, or its figure is not the platform's
// share of a verify.
func TestBenchTwinSQL(t *testing.T) {
	twin, err := os.ReadFile("../../e2e/edge-twin.mjs")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{deleteSQL} {
		if !strings.Contains(string(twin), q) {
			t.Errorf("e2e/edge-twin.mjs does not hold this statement as written here:\n%s", q)
		}
	}
}
