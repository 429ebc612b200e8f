package store

import (
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the store is persistence only: no HTTP, no door of the
// issuer (API, portal, CLI) and nothing that sends (mail, SMS).
func TestImportRules(t *testing.T) {
	deptest.Forbid(t, "github.com/honnin/honnin/issuer/store", "", "",
		"net/http", "github.com/honnin/honnin/issuer/api", "github.com/honnin/honnin/issuer/portal",
		"github.com/honnin/honnin/issuer/cmd/", "github.com/honnin/honnin/issuer/dispatch", "github.com/honnin/honnin/issuer/sms",
		"github.com/honnin/honnin/wasm/...")
}
