//go:build !(js && wasm)

package main

import (
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the challenge client speaks JSON to the edge through the
// browser's fetch: it imports nothing of the issuer or the edge's server
// side, and no net/http (which would link an HTTP stack the browser has).
// Its only project imports are the stdlib-only leaves under edge/.
func TestImportRules(t *testing.T) {
	deptest.Forbid(t, "github.com/honnin/honnin/wasm", "js", "wasm",
		"github.com/honnin/honnin/issuer/", "net/http", "html/template",
		"github.com/honnin/honnin/edge/api", "github.com/honnin/honnin/edge/ledger", "github.com/honnin/honnin/edge/challenge")
}
