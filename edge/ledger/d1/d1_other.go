//go:build !(js && wasm)

package d1

import (
	"database/sql"
	"errors"
)

// Open needs Cloudflare Workers; natively it only says so.
func Open(binding string) (*sql.DB, error) {
	return nil, errors.New("d1: D1 exists only inside Cloudflare Workers (GOOS=js GOARCH=wasm)")
}
