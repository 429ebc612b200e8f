package postgres

import (
	"strings"
	"testing"
)

func TestRewrite(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: `SELECT a FROM t WHERE id = ?1 AND b = ?12`, want: `SELECT a FROM t WHERE id = $1 AND b = $12`},
		{in: `SELECT '?1', "?" FROM t -- ?2 stays`, want: `SELECT '?1', "?" FROM t -- ?2 stays`},
		{in: `SELECT 'it''s ?1', ?1`, want: `SELECT 'it''s ?1', $1`},
		{in: `UPDATE t SET updated = unixepoch()`, want: `UPDATE t SET updated = CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS BIGINT)`},
		{in: `SELECT MAX(failures - 1, 0), MAX(due), MIN(a,b)`, want: `SELECT GREATEST(failures - 1, 0), MAX(due), LEAST(a,b)`},
		{in: `SELECT value FROM json_each(?1) WHERE x`, want: `SELECT value FROM jsonb_array_elements_text(CAST(CAST($1 AS TEXT) AS jsonb)) AS json_each(value) WHERE x`},
		{in: `FROM json_each(?7) AS j LEFT JOIN`, want: `FROM jsonb_array_elements_text(CAST(CAST($7 AS TEXT) AS jsonb)) AS j(value) LEFT JOIN`},
		{in: `json_extract(j.value, '$.id')`, want: `(CAST(CAST(j.value AS TEXT) AS jsonb) #>> '{id}')`},
		{in: `json_extract(j.value, '$.epoch')`, want: `CAST(CAST(CAST(j.value AS TEXT) AS jsonb) #>> '{epoch}' AS BIGINT)`},
		{in: `json_extract(body, '$.a.sub')`, want: `(CAST(CAST(body AS TEXT) AS jsonb) #>> '{a,sub}')`},
		{in: `json_set(?2, '$.attempts', a.attempts)`, want: `CAST(jsonb_set(CAST(CAST($2 AS TEXT) AS jsonb), '{attempts}', to_jsonb(CAST(a.attempts AS BIGINT))) AS TEXT)`},
		{in: `json_set(body, '$.reason', ?2)`, want: `CAST(jsonb_set(CAST(CAST(body AS TEXT) AS jsonb), '{reason}', to_jsonb(CAST($2 AS TEXT))) AS TEXT)`},
		// Nested calls are rewritten inside out.
		{in: `MAX(json_extract(v, '$.failures'), ?3)`, want: `GREATEST(CAST(CAST(CAST(v AS TEXT) AS jsonb) #>> '{failures}' AS BIGINT), $3)`},
		{in: `SELECT a FROM t WHERE b = ?`, err: "unnumbered placeholder"},
		{in: `SELECT a FROM t WHERE b = $1`, err: "already PostgreSQL"},
		{in: `json_extract(v, '$[0]')`, err: "want '$' or"},
		{in: `json_extract(v, ?1)`, err: "not a string literal"},
		{in: `json_set(v, '$.a', 1, '$.b', 2)`, err: "one path and value"},
		{in: `SELECT 'open`, err: "unterminated quote"},
		{in: `SELECT json_each(?1`, err: "unclosed"},
	} {
		got, err := rewrite(tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("rewrite(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
			}
		case err != nil || got != tc.want:
			t.Errorf("rewrite(%q) =\n%q, %v\nwant\n%q", tc.in, got, err, tc.want)
		}
	}
}
