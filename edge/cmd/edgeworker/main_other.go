//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "edgeworker runs inside Cloudflare Workers: make edge-dev (or GOOS=js GOARCH=wasm go build)")
	os.Exit(2)
}
