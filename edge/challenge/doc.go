// Package challenge is the wire format shared by the issuer and the edge: the
// signed tokens (session, challenge, result and the edge's call token), the
// sealed payload that carries the one-time codes from the issuer to the edge,
// and the keys both sides hold.
//
// It is a leaf on purpose: the edge's Workers binary imports it, so it may
// depend on golang-jwt and the standard library and nothing of the issuer.
//
// Every token is an EdDSA (Ed25519) JWT whose header names its kind in "typ"
// and its key in "kid". A verifier accepts exactly one kind, one algorithm,
// one issuer and one audience, so a token minted for one purpose can never be
// replayed for another (a session token is not a challenge token).
package challenge
