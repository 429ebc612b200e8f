//go:build js && wasm

package challenge

import "testing"

// On js/wasm the suite must have gone through WebCrypto, not the fallback.
func TestEd25519UsedWebCrypto(t *testing.T) {
	TestEd25519BothPaths(t)
	if webCalls.verifyEd25519.Load() == 0 {
		t.Error("no Ed25519 check went through WebCrypto")
	}
	if webCalls.signEd25519.Load() == 0 {
		t.Error("no Ed25519 signature was made by WebCrypto")
	}
}
