//go:build !(js && wasm)

package worker

import (
	"context"
	"errors"
	"net/http"
	"os"
)

// Env returns the variable or secret name; outside Workers, the process
// environment's.
func Env(name string) string { return os.Getenv(name) }

// Handlers are what an instance serves.
type Handlers struct {
	HTTP      http.Handler
	Scheduled func(ctx context.Context)
}

// Serve needs Workers; natively it only says so.
func Serve(Handlers) error {
	return errors.New("worker: Serve runs inside Cloudflare Workers (GOOS=js GOARCH=wasm)")
}
