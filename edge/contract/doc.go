// Package contract is what the issuer core, the edge and the challenge
// client say to each other over HTTP, written down once: the issuer's
// internal API that the edge calls (start, resend, password, results) and
// the edge's one internal endpoint that the issuer calls (credentials), with
// their paths, bodies and the subjects of their call tokens; the edge's
// public API that the challenge client calls (start, verify, resend,
// cancel), with its paths, bodies and the screen it answers; the error body
// and the error codes either side answers, and what the receiver does with
// each; the delivery states of a code; the issuer's decisions; and the
// reasons a result or a progress report carries.
//
// Each side uses these declarations, never a copy of its own, so a renamed
// field or a new code is one change that both sides compile against.
//
// The package imports only the standard library (and nothing of it that
// links an HTTP stack), so the wasm client, which must stay small and must
// not link net/http, uses it too. The token formats (claims, statuses,
// methods, the sealed payload) are edge/challenge's; the numbers of the
// rules are edge/limits'; writing the JSON error body is edge/jsonapi's.
package contract
