package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
)

// FuzzOutcomeBatch feeds request bodies to the batch's parser
// (decodeOutcomeBatch, then parseOutcome for each outcome it lets through).
//
// Properties: never a panic; every refusal is a *jsonapi.Error, 413 for a
// body over the limit or too many outcomes and else 400; an accepted
// envelope is one JSON object whose only key is "outcomes" (in any case, as
// encoding/json matches keys), 1 to
// contract.MaxOutcomeBatch values (checked here with encoding/json); an
// accepted outcome holds its required fields within their bounds, and its
// jti is the one returned for the verdict.
func FuzzOutcomeBatch(f *testing.F) {
	for _, s := range []string{
		batchOf(`{"jti":"j1","sub":"a","status":"Y","reason":"","gen":1,"attempts":0,"cred":"c","step":29000000,"drift":1}`),
		batchOf(`{"jti":"j2","sub":"a","status":"C","reason":"wrong_code","gen":1,"attempts":2}`, `{"jti":"j3","sub":"b","status":"N","gen":0}`),
		batchOf(`{"jti":" j","sub":"a","status":"N","gen":1}`, `[]`, `null`, `"x"`),
		batchOf(`{"jti":"j","sub":"a","status":"N","gen":-1}`),
		`{"outcomes":[]}`,
		`{"outcomes":null}`,
		`{"outcomes":[{}],"x":1}`,
		`{"outcomes":[{}]}{}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		limit := int64(contract.MaxOutcomeBatchBody)
		b, err := decodeOutcomeBatch(http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(body)), limit))
		if err != nil {
			var e *jsonapi.Error
			if !errors.As(err, &e) || (e.Status != 400 && e.Status != 413) || e.Code == "" || e.Message == "" {
				t.Fatalf("refusal %v (%T)", err, err)
			}
			return
		}
		var shape map[string]json.RawMessage
		if err := json.Unmarshal(body, &shape); err != nil || len(shape) != 1 {
			t.Fatalf("accepted %q: not one object with one key (%v)", body, err)
		}
		var arr []json.RawMessage
		var outcomes json.RawMessage
		for k, v := range shape {
			if strings.EqualFold(k, "outcomes") { // encoding/json matches keys so
				outcomes = v
			}
		}
		if err := json.Unmarshal(outcomes, &arr); err != nil || len(arr) == 0 || len(arr) > contract.MaxOutcomeBatch || len(arr) != len(b.Outcomes) {
			t.Fatalf("accepted %q: outcomes %d, %v", body, len(b.Outcomes), err)
		}
		for _, raw := range b.Outcomes {
			jti, o, err := parseOutcome(raw)
			if err != nil {
				var e *jsonapi.Error
				if !errors.As(err, &e) || e.Status != 400 {
					t.Fatalf("outcome %s: refusal %v", raw, err)
				}
				continue
			}
			if jti != o.JTI || o.JTI == "" || o.Authentication == "" || o.Status == "" || o.Gen < 0 || o.Attempts < 0 || o.Step < 0 ||
				utf8.RuneCountInString(o.JTI) > maxJTI || utf8.RuneCountInString(o.Cred) > maxJTI ||
				utf8.RuneCountInString(o.Reason) > maxReason || len(o.ResultToken) > maxResultToken ||
				strings.TrimSpace(o.JTI) != o.JTI {
				t.Fatalf("outcome %s accepted as %+v (jti %q)", raw, o, jti)
			}
		}
	})
}
