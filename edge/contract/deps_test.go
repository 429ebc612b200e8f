package contract

import (
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the contract is a leaf of the standard library without
// any networking package, fmt, reflect or encoding/json, so the wasm client
// links it without an HTTP stack or a reflective JSON package (a
// json.RawMessage here once pulled all three into the client), and either
// side imports it without anything of the other.
func TestImportRules(t *testing.T) {
	deptest.StdlibLeaf(t, "github.com/honnin/honnin/edge/contract", "net/...", "fmt", "reflect", "encoding/json")
}
