//go:build js && wasm

package challenge

import (
	"crypto/ed25519"
	"sync"
	"syscall/js"
)

// On js/wasm (the edge inside Workers) EdDSA signatures are checked and
// made by the runtime's WebCrypto (webcrypto_js.go): the edge checks a token
// on every call and signs one per report it delivers (its call token) and
// per result.

// webKeys caches imported CryptoKeys by raw key: a handful of keys,
// imported once per instance.
var webKeys sync.Map

// webKey returns the CryptoKey for raw, importing it with imp on first use.
func webKey(raw []byte, imp func() (js.Value, error)) (js.Value, bool) {
	if k, ok := webKeys.Load(string(raw)); ok {
		return k.(js.Value), true
	}
	k, err := imp()
	if err != nil {
		return js.Value{}, false
	}
	webKeys.Store(string(raw), k)
	return k, true
}

// verifyEd25519 reports whether sig is pub's signature of msg.
func verifyEd25519(pub ed25519.PublicKey, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	if !subtle.Truthy() {
		return ed25519.Verify(pub, msg, sig)
	}
	key, ok := webKey(pub, func() (js.Value, error) {
		return call("importKey", "raw", bytesJS(pub), nameEd25519, false, []any{"verify"})
	})
	if !ok {
		return ed25519.Verify(pub, msg, sig)
	}
	ok2, err := call("verify", nameEd25519, key, bytesJS(sig), bytesJS(msg))
	if err != nil {
		return ed25519.Verify(pub, msg, sig)
	}
	webCalls.verifyEd25519.Add(1)
	return ok2.Bool()
}

// signEd25519 is priv's signature of msg. Ed25519 is deterministic
// (RFC 8032), so WebCrypto's signature is byte for byte Go's.
func signEd25519(priv ed25519.PrivateKey, msg []byte) []byte {
	if !subtle.Truthy() {
		return ed25519.Sign(priv, msg)
	}
	key, ok := webKey(priv, func() (js.Value, error) {
		return call("importKey", "jwk", okpJWK("Ed25519", priv.Seed(), priv[ed25519.SeedSize:]), nameEd25519, false, []any{"sign"})
	})
	if !ok {
		return ed25519.Sign(priv, msg)
	}
	sig, err := call("sign", nameEd25519, key, bytesJS(msg))
	if err != nil {
		return ed25519.Sign(priv, msg)
	}
	webCalls.signEd25519.Add(1)
	return bytesGo(sig)
}
