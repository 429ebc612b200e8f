// Package web holds the static files of the challenge page and the
// merchant snippet, embedded so that the edge binary serves them without
// a file system. The wasm client and wasm_exec.js are build outputs
// (web/dist, see build-client.sh) and are not embedded here.
package web

import "embed"

// Static holds challenge.html (with placeholders edge/assets fills, see
// its render.go), loader.js, challenge.css and honnin.js.
//
//go:embed challenge.html loader.js challenge.css honnin.js
var Static embed.FS
