package portal

import (
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the portal is a door of the issuer: it imports nothing
// of the wasm client (the challenge screen's view model is the client's;
// what the portal shares with it, such as how an amount is written, is a
// leaf under edge/), and nothing of the edge's server side.
func TestImportRules(t *testing.T) {
	deptest.Forbid(t, "github.com/honnin/honnin/issuer/portal", "", "",
		"github.com/honnin/honnin/wasm/...", "github.com/honnin/honnin/edge/api", "github.com/honnin/honnin/edge/ledger/...")
}
