// Package jsonapi is the JSON request and response handling shared by the
// edge's and the issuer's HTTP APIs: one error type with the status and the
// stable code a client switches on, strict request decoding, and the
// response headers every answer carries.
//
// It imports only the standard library and edge/contract (a leaf of it):
// the edge's Workers binary (GOOS=js) compiles it too.
package jsonapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/honnin/honnin/edge/contract"
)

// MaxBody caps every request body. The largest legitimate one is the edge's
// verify carrying an X-Wing challenge token (about 3 KB).
const MaxBody = 64 << 10

// Error is an error the client is told about: an HTTP status, a stable code
// the client switches on, and a message for people. Anything else a
// handler returns is logged and answered 500, so internal detail never
// reaches the client.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Errorf returns an *Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 bad_request *Error with a formatted message.
func BadRequest(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, "bad_request", format, args...)
}

// ErrorBody is the JSON of every error response: edge/contract's, which
// the clients of both APIs decode.
type ErrorBody = contract.ErrorBody

// internal is the answer to anything that is not an *Error.
func internal() *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
}

// Write sends v as JSON with status. Answers carry tokens and personal
// data, so they are not cached unless the handler set a Cache-Control of
// its own.
func Write(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Every value written is a plain struct of strings and numbers.
		status = http.StatusInternalServerError
		b = []byte(`{"error":"internal","message":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// WriteError sends e as an ErrorBody with e's status.
func WriteError(w http.ResponseWriter, e *Error) {
	Write(w, e.Status, ErrorBody{Error: e.Code, Message: e.Message})
}

// WriteInternal sends the 500 internal error that says nothing of the cause.
func WriteInternal(w http.ResponseWriter) { WriteError(w, internal()) }

// Handle turns a handler that may fail into an http.Handler: an *Error
// (also wrapped) is sent as is; any other error is logged to log and
// answered 500 internal, without detail.
func Handle(log *slog.Logger, fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			log.LogAttrs(r.Context(), slog.LevelError, "api: internal error",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
			e = internal()
		}
		WriteError(w, e)
	})
}

// Decode reads the JSON body of r into v. The Content-Type must be
// application/json (else 415 unsupported_media_type: it also keeps other
// sites out, since a cross-origin JSON POST needs a CORS preflight that
// these APIs never answer); the body at most MaxBody bytes (else 413
// too_large); and exactly one JSON value of v's shape with no unknown
// fields (else 400 bad_request). Required fields are the caller's to check.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json")
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			if e := decodeError(err); e.Status == http.StatusRequestEntityTooLarge {
				return e
			}
		}
		return BadRequest("body must hold exactly one JSON value")
	}
	return nil
}

func decodeError(err error) *Error {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return Errorf(http.StatusRequestEntityTooLarge, "too_large", "body is larger than %d bytes", MaxBody)
	case errors.Is(err, io.EOF):
		return BadRequest("body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("body is truncated JSON")
	case errors.As(err, &syntax):
		return BadRequest("body is not JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return BadRequest("%s must be a JSON %s", typ.Field, jsonKind(typ.Type))
		}
		return BadRequest("body must be a JSON %s", jsonKind(typ.Type))
	default:
		// Unknown fields: `json: unknown field "x"`.
		return BadRequest("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

// jsonKind names the JSON type a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "value of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "value of another type (" + t.Kind().String() + ")"
}

// StatusWriter remembers the status a handler answered (0 until it
// writes; 200 for a body written without a header): for the access log,
// the metrics, and whether a recovered panic can still answer. The issuer's
// API and the edge's server both wrap their writers with it.
type StatusWriter struct {
	http.ResponseWriter
	Status int
}

func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
