//go:build !(js && wasm)

package challenge

import "crypto/ed25519"

// verifyEd25519 reports whether sig is pub's signature of msg. Natively
// this is Go's ed25519; on js/wasm, the runtime's WebCrypto
// (ed25519_js.go).
func verifyEd25519(pub ed25519.PublicKey, msg, sig []byte) bool {
	// ed25519.Verify panics on a key of the wrong length.
	return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, msg, sig)
}

// signEd25519 is priv's signature of msg: Go's ed25519 natively,
// WebCrypto's on js/wasm (ed25519_js.go).
func signEd25519(priv ed25519.PrivateKey, msg []byte) []byte {
	return ed25519.Sign(priv, msg)
}
