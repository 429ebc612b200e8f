//go:build !(js && wasm)

package challenge

import "crypto/ecdh"

// x25519Key is the X25519 half of a seal key: Go's crypto/ecdh natively,
// WebCrypto's X25519 on js/wasm (x25519_js.go).
func x25519Key(scalar []byte) (ecdh.KeyExchanger, error) {
	return ecdh.X25519().NewPrivateKey(scalar)
}
