// Package api is the issuer's HTTP API: the merchant endpoints that create
// and read authentications, the JWKS that merchants and the edge verify
// tokens against, and the internal endpoints the edge calls to start a
// challenge, resend a code and report an outcome.
//
// Merchants authenticate with an API key (Authorization: Bearer), looked up
// by its SHA-256. The edge authenticates each call with a JWT of its own
// signing key (typ honnin-edge+jwt, at most 60 s long). Every request body
// is JSON, at most 64 KiB, with unknown fields and trailing data refused;
// every error is {"error": code, "message": text} with the matching status.
package api
