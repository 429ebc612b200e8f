package issuer_test

import (
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the issuer's domain types (this package) and its use
// cases (issuer/acs) are called by every door (the merchant API, the
// edge's internal API, the portal, the CLI, the demo, and EMV 3-D Secure's
// door for the card schemes' Directory Servers), so they import no door,
// nothing of the wasm client, and no HTTP of their own: the next door (an
// admin API) must be able to call them without an HTTP request in hand. The domain types import no HTTP at all;
// the use cases may reach HTTP through the senders they drive (the SMS
// gateway and the risk provider are HTTP services), never in their own
// code.
func TestImportRules(t *testing.T) {
	const issuer, acs = "github.com/honnin/honnin/issuer", "github.com/honnin/honnin/issuer/acs"
	doors := []string{"github.com/honnin/honnin/issuer/api", "github.com/honnin/honnin/issuer/portal",
		"github.com/honnin/honnin/issuer/threeds", "github.com/honnin/honnin/issuer/cmd/...", "github.com/honnin/honnin/issuer/demo", "github.com/honnin/honnin/wasm/..."}
	t.Run("issuer", func(t *testing.T) {
		deptest.Forbid(t, issuer, "", "", append(doors, "net/http/...")...)
	})
	t.Run("acs", func(t *testing.T) {
		deptest.Forbid(t, acs, "", "", doors...)
		for _, p := range deptest.Imports(t, acs, "", "") {
			if r := deptest.Match(p, "net/http/..."); r != "" {
				t.Errorf("%s imports %s: the use cases take no HTTP request and write no HTTP answer", acs, p)
			}
		}
	})
}
