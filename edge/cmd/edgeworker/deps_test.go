//go:build !(js && wasm)

package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/deptest"
)

const (
	workerMain = "github.com/honnin/honnin/edge/cmd/edgeworker"
	nativeMain = "github.com/honnin/honnin/edge/cmd/edge"
)

// TestImportRules: the Workers edge imports nothing of the issuer (its
// size, and no secret of the issuer's one import away), and no template
// package (with text/template, about 1 MiB of gzip in the worker: edge/assets
// fills web's challenge page without one); neither does the native edge. (edge/deptest's TestEdgeImportRules holds every
// edge package to the first rule.)
func TestImportRules(t *testing.T) {
	rules := []string{"github.com/honnin/honnin/issuer/...", "html/template", "text/template", "github.com/honnin/honnin/web/shop"}
	deptest.Forbid(t, workerMain, "js", "wasm", rules...)
	deptest.Forbid(t, nativeMain, "", "", rules...)
}

// TestNoTLS: the worker imports crypto/tls, but links none of TLS itself.
//
// github.com/syumai/workers hands the worker a net/http request and
// response writer, and net/http imports crypto/tls (http.Request has a TLS
// field, http.Transport dials TLS), so the package cannot be left out of
// the import graph without leaving net/http: the rule an import list can
// state is that only the standard library's HTTP packages bring it in. What
// the binary carries is the linker's call: crypto/tls's package
// initialisation and two String methods (with Go 1.26, 7 KB of the
// worker's 5 MB of code; with the types net/http's structs reach through
// tls.ConnectionState, about 4 % of the gzipped worker), but no TLS
// connection: Workers terminates TLS, and the worker's outbound requests
// go through fetch (edge/fetch). A Go HTTP client (http.Get,
// http.DefaultClient) would link net/http's own transport and with it
// crypto/tls.(*Conn) and the handshake: this test would then fail.
func TestNoTLS(t *testing.T) {
	for _, p := range deptest.Importers(t, workerMain, "js", "wasm", "crypto/tls") {
		if p != "net/http" && p != "net/http/httptrace" {
			t.Errorf("%s imports crypto/tls in the worker's build: only net/http may bring it in", p)
		}
	}
	linked := deptest.Linked(t, workerMain, "js", "wasm")
	if !slices.Contains(linked, "main.main") {
		t.Fatalf("the worker's linked symbols lack main.main: %d symbols", len(linked))
	}
	var tls []string
	for _, s := range linked {
		if strings.HasPrefix(s, "crypto/tls.(*Conn).") || strings.HasPrefix(s, "crypto/tls.(*Config).") ||
			strings.HasPrefix(s, "net/http.(*Transport).dialConn") {
			tls = append(tls, s)
		}
	}
	if len(tls) > 0 {
		t.Errorf("the worker links %d symbols of a TLS connection (a Go HTTP client instead of edge/fetch?), such as %v",
			len(tls), tls[:min(len(tls), 8)])
	}
}
