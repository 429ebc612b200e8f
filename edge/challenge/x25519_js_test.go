//go:build js && wasm

package challenge

import "testing"

// On js/wasm the seal suites must have opened through WebCrypto's X25519,
// not the fallback.
func TestX25519UsedWebCrypto(t *testing.T) {
	TestX25519BothPaths(t)
	TestSealKeyMatchesStandard(t)
	if webCalls.x25519.Load() == 0 {
		t.Error("no X25519 key exchange went through WebCrypto")
	}
}
