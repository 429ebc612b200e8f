// Command edgeworker is the edge inside Cloudflare Workers: the same edge
// (edge/server: routes, challenge page, health check) as edge/cmd/edge,
// over D1 (edge/ledger and edge/report's SQL, unchanged) instead of a SQLite
// file, with the client files served as Workers static assets and the
// calls to the issuer made with the runtime's fetch(). Build it with `make
// edge-build` (GOOS=js GOARCH=wasm) and run it with `make edge-dev`; the JS
// glue is edge/worker/glue.mjs.
//
// main only wires. Keys are parsed on the first request and kept for the
// instance's life: parsing them in main would cost every new instance that
// CPU before it can answer anything.
//
// Configuration (wrangler vars and secrets): HONNIN_EDGE_SIGN_JWK,
// HONNIN_EDGE_SEAL_JWK, HONNIN_ISSUER_JWKS (secrets: the contents of the
// edge's three key files), HONNIN_ISSUER_URL (var), and the D1 binding DB.
package main
