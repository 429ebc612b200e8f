package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// maxBody caps every request body. The largest legitimate one (an
// authentication request with device signals) is well under 2 KiB.
const maxBody = 64 << 10

// decode reads the JSON body of r into v: Content-Type must be JSON (415),
// the body at most maxBody (413), one JSON value with no unknown fields and
// nothing after it (400). Required fields are the caller's to check.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json")
	}
	body := http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		if err != nil {
			if ae := decodeError(err); ae.status == http.StatusRequestEntityTooLarge {
				return ae
			}
		}
		return badRequest("body must hold exactly one JSON value")
	}
	return nil
}

func decodeError(err error) *apiError {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "body is larger than %d bytes", maxBody)
	case errors.Is(err, io.EOF):
		return badRequest("body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("body is truncated JSON")
	case errors.As(err, &syntax):
		return badRequest("body is not JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return badRequest("%s must be a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()))
		}
		return badRequest("body must be a JSON object")
	default:
		// Unknown fields: "json: unknown field \"x\"".
		return badRequest("%s", trimJSONPrefix(err.Error()))
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int", "int64", "int32", "uint", "uint64":
		return "integer"
	case "bool":
		return "boolean"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	}
	return fmt.Sprintf("value of another type (%s)", goKind)
}

func trimJSONPrefix(s string) string {
	const p = "json: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
