package emv3ds

import (
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the wire package is a leaf of the standard library, for
// the issuer and the edge (native and in workerd) alike, and holds no HTTP
// stack or socket: parsing a message must not be one import away from
// sending one. net/url and net/netip, text parsers for URLs and IP
// addresses, are the only net packages it may use.
func TestImportRules(t *testing.T) {
	const self = "github.com/honnin/honnin/edge/emv3ds"
	for _, target := range [][2]string{{"", ""}, {"js", "wasm"}} {
		for _, dep := range deptest.Deps(t, self, target[0], target[1]) {
			first, _, _ := strings.Cut(dep, "/")
			switch {
			case dep == self:
			case strings.Contains(first, "."):
				t.Errorf("%s depends on %s, outside the standard library", self, dep)
			case dep == "net/url" || dep == "net/netip":
			case first == "net" || first == "crypto" && strings.HasPrefix(dep, "crypto/tls"):
				t.Errorf("%s depends on %s, a networking package", self, dep)
			}
		}
	}
}
