//go:build js && wasm

package d1

import (
	"context"
	"fmt"
	"syscall/js"

	"github.com/honnin/honnin/edge/ledger"
	"github.com/honnin/honnin/edge/promise"
)

// Batcher runs the ledger's batches on the D1 binding with
// D1Database.batch, which D1 runs as one transaction: the statements take
// effect together or not at all. The binding is read from the request's
// env on every call (the glue sets it per request).
type Batcher struct {
	// Binding is the wrangler.toml [[d1_databases]] binding, "DB".
	Binding string
}

var (
	jsArray      = js.Global().Get("Array")
	jsObject     = js.Global().Get("Object")
	jsUint8Array = js.Global().Get("Uint8Array")
)

// Batch implements ledger.Batcher.
func (b Batcher) Batch(ctx context.Context, stmts ...ledger.Stmt) ([][]ledger.Row, error) {
	db := js.Global().Get("context").Get("env").Get(b.Binding)
	if db.IsUndefined() || db.IsNull() {
		return nil, fmt.Errorf("d1: no binding %q in env", b.Binding)
	}
	list := jsArray.New(len(stmts))
	for i, s := range stmts {
		args := make([]any, len(s.Args))
		for j, a := range s.Args {
			args[j] = jsArg(a)
		}
		list.SetIndex(i, db.Call("prepare", s.SQL).Call("bind", args...))
	}
	res, err := promise.AwaitContext(ctx, db.Call("batch", list))
	if err != nil {
		if unavailable(err.Error()) {
			return nil, fmt.Errorf("d1: batch: %w: %w", ledger.ErrUnavailable, err)
		}
		return nil, fmt.Errorf("d1: batch: %w", err)
	}
	if res.Type() != js.TypeObject || res.Length() != len(stmts) {
		return nil, fmt.Errorf("d1: batch answered %d results for %d statements", res.Length(), len(stmts))
	}
	out := make([][]ledger.Row, len(stmts))
	for i := range stmts {
		rows := res.Index(i).Get("results")
		if rows.IsUndefined() || rows.IsNull() {
			continue
		}
		n := rows.Length()
		for k := 0; k < n; k++ {
			obj := rows.Index(k)
			keys := jsObject.Call("keys", obj)
			r := make(ledger.Row, keys.Length())
			for m := 0; m < keys.Length(); m++ {
				key := keys.Index(m).String()
				r[key] = fromJS(obj.Get(key))
			}
			out[i] = append(out[i], r)
		}
	}
	return out, nil
}

// jsArg converts a statement argument for D1's bind: numbers and strings as
// they are, bytes as a Uint8Array, nil as null.
func jsArg(a any) any {
	switch v := a.(type) {
	case []byte:
		u := jsUint8Array.New(len(v))
		js.CopyBytesToJS(u, v)
		return u
	case nil:
		return js.Null()
	}
	return a
}

// fromJS converts a D1 column value: null, number, string, or an
// ArrayBuffer for a BLOB.
func fromJS(v js.Value) any {
	switch v.Type() {
	case js.TypeNull, js.TypeUndefined:
		return nil
	case js.TypeNumber:
		return ledger.Normalize(v.Float())
	case js.TypeString:
		return v.String()
	case js.TypeBoolean:
		if v.Bool() {
			return int64(1)
		}
		return int64(0)
	}
	u := jsUint8Array.New(v)
	b := make([]byte, u.Length())
	js.CopyBytesToGo(b, u)
	return string(b)
}
