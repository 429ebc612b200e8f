//go:build js && wasm

package challenge

import (
	"crypto/ecdh"
	ctsubtle "crypto/subtle"
	"errors"
	"sync"
	"syscall/js"
)

// x25519Key is the X25519 half of a seal key whose key exchange runs in
// WebCrypto. The public key is Go's (computed once per key and instance);
// the CryptoKey is imported on the first open.
func x25519Key(scalar []byte) (ecdh.KeyExchanger, error) {
	priv, err := ecdh.X25519().NewPrivateKey(scalar)
	if err != nil {
		return nil, err
	}
	return &webX25519{PrivateKey: priv}, nil
}

// webX25519 is an ecdh.KeyExchanger whose ECDH is WebCrypto's deriveBits,
// falling back to Go's (the embedded key) when WebCrypto refuses.
type webX25519 struct {
	*ecdh.PrivateKey
	once sync.Once
	key  js.Value // the CryptoKey; undefined when it could not be imported
}

var errLowOrder = errors.New("crypto/ecdh: bad X25519 remote ECDH input: low order point")

func (k *webX25519) ECDH(remote *ecdh.PublicKey) ([]byte, error) {
	if remote.Curve() != ecdh.X25519() {
		return nil, errors.New("crypto/ecdh: private key and public key curves do not match")
	}
	k.once.Do(func() {
		if !subtle.Truthy() {
			return
		}
		key, err := call("importKey", "jwk", okpJWK("X25519", k.PrivateKey.Bytes(), k.PrivateKey.PublicKey().Bytes()), nameX25519, false, []any{"deriveBits"})
		if err == nil {
			k.key = key
		}
	})
	if k.key.IsUndefined() {
		return k.PrivateKey.ECDH(remote)
	}
	pub, err := call("importKey", "raw", bytesJS(remote.Bytes()), nameX25519, true, []any{})
	if err != nil {
		return k.PrivateKey.ECDH(remote)
	}
	alg := object.New()
	alg.Set("name", nameX25519)
	alg.Set("public", pub)
	bits, err := call("deriveBits", alg, k.key, 256)
	if err != nil {
		// WebCrypto refuses a low-order point (an all-zero secret), as Go
		// does; Go's answer decides either way.
		return k.PrivateKey.ECDH(remote)
	}
	out := bytesGo(bits)
	if allZero(out) {
		return nil, errLowOrder
	}
	webCalls.x25519.Add(1)
	return out, nil
}

// allZero reports in constant time whether b is all zeros.
func allZero(b []byte) bool {
	return ctsubtle.ConstantTimeCompare(b, make([]byte, len(b))) == 1
}
