//go:build !(js && wasm)

package main

import (
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

// TestImportRules: the challenge client speaks JSON to the edge through the
// browser's fetch: none of its packages imports anything of the issuer or
// the edge's server side, and no net/http (which would link an HTTP stack
// the browser has) or template package. Its only project imports are the
// stdlib-only leaves under edge/. Nor does it link what the browser has and
// a download would pay for (issue 16: ≤ 600 KB brotli): fmt, encoding/json
// and reflect (JSON is written and read by view/json.go), os, and a DOM
// library (wasm/dom is the few calls it makes).
func TestImportRules(t *testing.T) {
	each := deptest.DepsEach(t, "github.com/honnin/honnin/wasm/...", "js", "wasm", false)
	if len(each) < 2 {
		t.Fatalf("wasm/... is %d packages: %v", len(each), each)
	}
	for pkg, deps := range each {
		for _, dep := range deps {
			if r := deptest.Match(dep, "github.com/honnin/honnin/issuer/...", "net/http", "html/template", "text/template",
				"github.com/honnin/honnin/edge/api", "github.com/honnin/honnin/edge/ledger/...",
				"github.com/honnin/honnin/edge/challenge",
				"fmt", "encoding/json", "reflect", "os", "honnef.co/go/js/dom/..."); r != "" {
				t.Errorf("%s (GOOS=js) depends on %s, which the rule %q forbids", pkg, dep, r)
			}
		}
	}
}
