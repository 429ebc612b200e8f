//go:build !(js && wasm)

package d1

import (
	"context"
	"errors"

	"github.com/honnin/honnin/edge/ledger"
)

// Batcher runs the ledger's batches on a D1 binding; it exists only inside
// Cloudflare Workers.
type Batcher struct {
	Binding string
}

// Batch needs Workers; natively it only says so.
func (Batcher) Batch(context.Context, ...ledger.Stmt) ([][]ledger.Row, error) {
	return nil, errors.New("d1: D1 exists only inside Cloudflare Workers (GOOS=js GOARCH=wasm)")
}
