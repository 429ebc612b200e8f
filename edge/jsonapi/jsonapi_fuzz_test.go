package jsonapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/honnin/honnin/edge/jsonapi"
)

// FuzzDecode sends Decode every request body and Content-Type. Properties:
// every refusal is an *Error whose status and code agree (400 bad_request,
// 413 too_large, 415 unsupported_media_type) with a message; a body is
// accepted exactly when the Content-Type is application/json and the body,
// at most MaxBody bytes, is one JSON value of the shape with no unknown
// field (checked here with encoding/json directly); and what Decode fills
// in is what encoding/json decodes.
func FuzzDecode(f *testing.F) {
	for _, s := range []struct{ ctype, body string }{
		{"application/json", `{"token":"t","gen":1,"ratio":1.5,"ok":true,"device":{"ua":"u","languages":["ja"]}}`},
		{"application/json; charset=utf-8", `{"token":"t"} `},
		{"Application/JSON", `{}`},
		{"application/json", `{"token":"t"}{"token":"u"}`},
		{"application/json", `{"token":1}`},
		{"application/json", `{"nope":1}`},
		{"application/json", `[]`},
		{"application/json", ``},
		{"application/json", `{"token":"t"`},
		{"text/plain", `{}`},
		{"", `{}`},
		{"application/json;;", `{}`},
	} {
		f.Add(s.ctype, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ctype string, raw []byte) {
		r := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(raw))
		r.Header.Set("Content-Type", ctype)
		var got body
		err := jsonapi.Decode(httptest.NewRecorder(), r, &got)

		if err != nil {
			var e *jsonapi.Error
			if !errors.As(err, &e) {
				t.Fatalf("refusal is not an *Error: %v", err)
			}
			want := map[int]string{400: "bad_request", 413: "too_large", 415: "unsupported_media_type"}[e.Status]
			if want == "" || e.Code != want || e.Message == "" {
				t.Fatalf("refusal %d %q %q", e.Status, e.Code, e.Message)
			}
		}

		mt, _, ctErr := mime.ParseMediaType(ctype)
		var want body
		ok := ctErr == nil && mt == "application/json" && len(raw) <= jsonapi.MaxBody && strictOne(raw, &want)
		switch {
		case ok && err != nil:
			t.Fatalf("refused a body encoding/json takes: %v", err)
		case !ok && err == nil:
			t.Fatalf("accepted %q %q", ctype, raw)
		case ok && !reflect.DeepEqual(got, want):
			t.Fatalf("decoded %+v, encoding/json decodes %+v", got, want)
		}
	})
}

// strictOne decodes exactly one JSON value of v's shape, without unknown
// fields, from b.
func strictOne(b []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if dec.Decode(v) != nil {
		return false
	}
	_, err := dec.Token()
	return errors.Is(err, io.EOF)
}
