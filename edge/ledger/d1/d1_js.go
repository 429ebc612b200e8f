//go:build js && wasm

package d1

import (
	"database/sql"
	"fmt"

	"github.com/syumai/workers/cloudflare/d1"
)

// Open returns the D1 database bound to the worker as binding (wrangler.toml
// [[d1_databases]] binding). It does no I/O.
func Open(binding string) (*sql.DB, error) {
	c, err := d1.OpenConnector(binding)
	if err != nil {
		return nil, fmt.Errorf("d1: open %s: %w", binding, err)
	}
	return sql.OpenDB(c), nil
}
