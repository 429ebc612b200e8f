//go:build !(js && wasm)

package main

import (
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the Workers edge imports nothing of the issuer (its
// size, and no secret of the issuer's one import away), and no
// html/template (large, and the edge renders no HTML of its own); neither
// does the native edge.
func TestImportRules(t *testing.T) {
	rules := []string{"github.com/honnin/honnin/issuer/", "html/template", "github.com/honnin/honnin/web/shop"}
	deptest.Forbid(t, "github.com/honnin/honnin/edge/cmd/edgeworker", "js", "wasm", rules...)
	deptest.Forbid(t, "github.com/honnin/honnin/edge/cmd/edge", "", "", rules...)
}
