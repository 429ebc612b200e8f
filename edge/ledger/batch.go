package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"math"
)

// Stmt is one SQL statement of a batch, with its arguments (?1, ?2, ...).
type Stmt struct {
	SQL  string
	Args []any
}

// Row is one row a statement returned (RETURNING or SELECT), by column
// name. Integers are int64, text is string, NULL is nil: each Batcher
// normalises its driver's values to these (D1 hands numbers over as
// float64).
type Row map[string]any

// Batcher runs statements in order as one transaction: all of them take
// effect, or none. It is how a rule that spans tables stays atomic on D1,
// which has no interactive transactions but runs a batch as one
// (D1Database.batch); a statement that must act only if an earlier one did
// says so in its own WHERE clause, reading what the earlier one wrote.
type Batcher interface {
	Batch(ctx context.Context, stmts ...Stmt) ([][]Row, error)
}

// TxBatcher is the Batcher of a database/sql database with transactions:
// the native edge's SQLite (and any engine database/sql drives).
type TxBatcher struct{ DB *sql.DB }

// Batch runs stmts in one transaction.
func (b TxBatcher) Batch(ctx context.Context, stmts ...Stmt) ([][]Row, error) {
	tx, err := b.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("ledger: begin: %w", err)
	}
	defer tx.Rollback()
	out, err := RunBatch(ctx, tx, stmts)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("ledger: commit: %w", err)
	}
	return out, nil
}

// RunBatch runs stmts in order in tx and returns each one's rows; the
// caller commits (or, on an error, rolls back).
func RunBatch(ctx context.Context, tx *sql.Tx, stmts []Stmt) ([][]Row, error) {
	out := make([][]Row, len(stmts))
	for i, s := range stmts {
		rows, err := tx.QueryContext(ctx, s.SQL, s.Args...)
		if err != nil {
			return nil, fmt.Errorf("ledger: statement %d: %w", i+1, err)
		}
		out[i], err = collect(rows)
		if err != nil {
			return nil, fmt.Errorf("ledger: statement %d: %w", i+1, err)
		}
	}
	return out, nil
}

func collect(rows *sql.Rows) ([]Row, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []Row
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(Row, len(cols))
		for i, c := range cols {
			r[c] = Normalize(vals[i])
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Normalize maps a driver's value to a Row's: integral floats to int64
// (D1's numbers), []byte to string (SQLite's text may come as bytes),
// booleans to 1 and 0 (PostgreSQL's EXISTS and IS NULL; SQLite's are
// integers already).
func Normalize(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	case int:
		return int64(x)
	case []byte:
		return string(x)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

// Int returns the integer in column c of r; 0 when it is NULL or missing.
func (r Row) Int(c string) int64 {
	n, _ := r[c].(int64)
	return n
}

// String returns the text in column c of r; "" when it is NULL or missing.
func (r Row) String(c string) string {
	s, _ := r[c].(string)
	return s
}
