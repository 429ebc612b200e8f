package postgres

import (
	"fmt"
	"strings"
	"sync"
)

// Rewrite returns q, a statement in the SQLite syntax the ledger's rules
// and edge/report's queue are written in (once, for SQLite and D1), as
// PostgreSQL runs it. It is mechanical and knows only what those statements
// use:
//
//   - ?N placeholders become $N (a bare ? is an error: the rules number
//     theirs, so one value can appear twice);
//   - unixepoch() becomes the whole seconds of now();
//   - MAX(a, b) and MIN(a, b), SQLite's scalar forms, become GREATEST and
//     LEAST (the one-argument aggregates stay);
//   - json_each(x) becomes jsonb_array_elements_text, whose value column
//     is what SQLite's is for the arrays the rules pass: a string element
//     as its text, an object as its JSON text;
//   - json_extract(x, '$.a.b') becomes x #>> '{a,b}', and json_set(x,
//     '$.k', v) becomes jsonb_set, back to text.
//
// SQLite's JSON values carry their own types, PostgreSQL's extraction gives
// text: the JSON keys the statements read or set as numbers are listed in
// jsonNumbers and cast to BIGINT, every other key is text. A key the rules
// start using must be added there (a test runs every statement on
// PostgreSQL). jsonb_set rewrites the document: keys may come back in
// another order and spacing, which is the same JSON to its reader (the
// issuer parses the report).
//
// PostgreSQL's boolean results (EXISTS, IS NOT NULL) are SQLite's 0 and 1
// once edge/ledger normalises them (ledger.Normalize).
func Rewrite(q string) (string, error) {
	if v, ok := cache.Load(q); ok {
		return v.(string), nil
	}
	out, err := rewrite(q)
	if err != nil {
		return "", fmt.Errorf("postgres: rewrite %q: %w", abbrev(q), err)
	}
	cache.Store(q, out)
	return out, nil
}

// cache holds the rewrites done: the statements are a few dozen constants,
// and a statement is rewritten on every run.
var cache sync.Map

// jsonNumbers are the JSON keys the statements read or write as numbers:
// the credentials' epochs and failures (edge/challenge.CredRef, CredState)
// and a report's attempts (edge/contract.Outcome).
var jsonNumbers = map[string]bool{"epoch": true, "failures": true, "attempts": true}

func abbrev(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 80 {
		q = q[:77] + "..."
	}
	return q
}

// funcs are the SQLite functions rewritten, by lower-case name. Each gets
// its arguments already rewritten, and the statement's text after the
// call (for json_each, to name its column).
var funcs map[string]func(args []string, rest string) (call string, consumed int, err error)

func init() {
	funcs = map[string]func([]string, string) (string, int, error){
		"unixepoch": func(args []string, _ string) (string, int, error) {
			if len(args) != 0 {
				return "", 0, fmt.Errorf("unixepoch with arguments")
			}
			// FLOOR: SQLite's unixepoch() truncates; a cast alone rounds.
			return `CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS BIGINT)`, 0, nil
		},
		"max": scalar("MAX", "GREATEST"),
		"min": scalar("MIN", "LEAST"),
		"json_each": func(args []string, rest string) (string, int, error) {
			if len(args) != 1 {
				return "", 0, fmt.Errorf("json_each takes one argument here, got %d", len(args))
			}
			call := `jsonb_array_elements_text(` + jsonb(args[0]) + `)`
			// The function's one column is named by the table alias
			// unless the alias names it: give it SQLite's name, value.
			if alias, n := asAlias(rest); n > 0 {
				return call + ` AS ` + alias + `(value)`, n, nil
			}
			return call + ` AS json_each(value)`, 0, nil
		},
		"json_extract": func(args []string, _ string) (string, int, error) {
			if len(args) != 2 {
				return "", 0, fmt.Errorf("json_extract takes one path here, got %d arguments", len(args))
			}
			keys, err := path(args[1])
			if err != nil {
				return "", 0, err
			}
			get := jsonb(args[0]) + ` #>> '{` + strings.Join(keys, ",") + `}'`
			if len(keys) > 0 && jsonNumbers[keys[len(keys)-1]] {
				return `CAST(` + get + ` AS BIGINT)`, 0, nil
			}
			return `(` + get + `)`, 0, nil
		},
		"json_set": func(args []string, _ string) (string, int, error) {
			if len(args) != 3 {
				return "", 0, fmt.Errorf("json_set takes one path and value here, got %d arguments", len(args))
			}
			keys, err := path(args[1])
			if err != nil {
				return "", 0, err
			}
			if len(keys) == 0 {
				return "", 0, fmt.Errorf("json_set of the whole document")
			}
			typ := "TEXT"
			if jsonNumbers[keys[len(keys)-1]] {
				typ = "BIGINT"
			}
			return `CAST(jsonb_set(` + jsonb(args[0]) + `, '{` + strings.Join(keys, ",") + `}', to_jsonb(CAST(` +
				strings.TrimSpace(args[2]) + ` AS ` + typ + `))) AS TEXT)`, 0, nil
		},
	}
}

// scalar rewrites SQLite's scalar form of an aggregate (two or more
// arguments) to PostgreSQL's name for it, and leaves the aggregate.
func scalar(same, to string) func([]string, string) (string, int, error) {
	return func(args []string, _ string) (string, int, error) {
		name := same
		if len(args) > 1 {
			name = to
		}
		return name + `(` + strings.Join(args, ",") + `)`, 0, nil
	}
}

// jsonb is x (text: a column, a placeholder, a json_each value) as jsonb.
// Through TEXT, so that a placeholder is sent as text, whatever the
// driver would make of a Go string bound to jsonb.
func jsonb(x string) string {
	return `CAST(CAST(` + strings.TrimSpace(x) + ` AS TEXT) AS jsonb)`
}

// path parses a JSON path literal of the form '$' or '$.a.b' into its keys.
func path(lit string) ([]string, error) {
	lit = strings.TrimSpace(lit)
	if len(lit) < 3 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
		return nil, fmt.Errorf("JSON path %s is not a string literal", lit)
	}
	p := lit[1 : len(lit)-1]
	if p == "$" {
		return nil, nil
	}
	rest, ok := strings.CutPrefix(p, "$.")
	if !ok {
		return nil, fmt.Errorf("JSON path %s: want '$' or '$.key...'", lit)
	}
	keys := strings.Split(rest, ".")
	for _, k := range keys {
		if k == "" || strings.ContainsAny(k, `[]{},"' `) {
			return nil, fmt.Errorf("JSON path %s: only plain keys are rewritten", lit)
		}
	}
	return keys, nil
}

// asAlias reads " AS name" at the start of rest, returning the name and
// how many bytes it took (0: none).
func asAlias(rest string) (string, int) {
	t := strings.TrimLeft(rest, " \t\n")
	kw, ok := strings.CutPrefix(t, "AS ")
	if !ok {
		if kw, ok = strings.CutPrefix(t, "as "); !ok {
			return "", 0
		}
	}
	kw = strings.TrimLeft(kw, " \t\n")
	n := 0
	for n < len(kw) && isIdent(kw[n]) {
		n++
	}
	if n == 0 {
		return "", 0
	}
	return kw[:n], len(rest) - len(kw) + n
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// rewrite rewrites q: placeholders, and the calls of funcs (innermost
// first), copying quoted text and comments as they are.
func rewrite(q string) (string, error) {
	var b strings.Builder
	b.Grow(len(q) + len(q)/4)
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := quoteEnd(q, i)
			if j < 0 {
				return "", fmt.Errorf("unterminated quote at %d", i)
			}
			b.WriteString(q[i:j])
			i = j
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j == i+1 {
				return "", fmt.Errorf("unnumbered placeholder at %d (write ?1, ?2, ...)", i)
			}
			b.WriteString("$" + q[i+1:j])
			i = j
		case c == '$':
			return "", fmt.Errorf("$ at %d outside a string: already PostgreSQL?", i)
		case isIdent(c) && (i == 0 || !isIdent(q[i-1])):
			j := i
			for j < len(q) && isIdent(q[j]) {
				j++
			}
			name := q[i:j]
			f, ok := funcs[strings.ToLower(name)]
			k := j
			for k < len(q) && q[k] == ' ' {
				k++
			}
			if !ok || k == len(q) || q[k] != '(' {
				b.WriteString(name)
				i = j
				continue
			}
			end, args, err := callArgs(q, k)
			if err != nil {
				return "", fmt.Errorf("%s at %d: %w", name, i, err)
			}
			for n, a := range args {
				if args[n], err = rewrite(a); err != nil {
					return "", err
				}
			}
			call, consumed, err := f(args, q[end:])
			if err != nil {
				return "", fmt.Errorf("%s at %d: %w", name, i, err)
			}
			b.WriteString(call)
			i = end + consumed
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// quoteEnd returns the index just past the quoted text starting at i (a
// doubled quote inside is an escaped one), or -1.
func quoteEnd(q string, i int) int {
	c := q[i]
	for j := i + 1; j < len(q); j++ {
		if q[j] != c {
			continue
		}
		if j+1 < len(q) && q[j+1] == c {
			j++
			continue
		}
		return j + 1
	}
	return -1
}

// callArgs splits the argument list whose '(' is at open into its
// top-level arguments, and returns the index just past its ')'. No
// arguments is an empty list.
func callArgs(q string, open int) (end int, args []string, err error) {
	depth, start := 0, open+1
	for i := open; i < len(q); i++ {
		switch q[i] {
		case '\'', '"':
			j := quoteEnd(q, i)
			if j < 0 {
				return 0, nil, fmt.Errorf("unterminated quote")
			}
			i = j - 1
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				if last := q[start:i]; strings.TrimSpace(last) != "" || len(args) > 0 {
					args = append(args, last)
				}
				return i + 1, args, nil
			}
		case ',':
			if depth == 1 {
				args = append(args, q[start:i])
				start = i + 1
			}
		}
	}
	return 0, nil, fmt.Errorf("unclosed (")
}
