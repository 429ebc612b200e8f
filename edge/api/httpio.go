package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// maxBody caps every request body. The largest legitimate one is a verify
// carrying an X-Wing challenge token (about 3 KB).
const maxBody = 64 << 10

// apiError is an error the client is told about: an HTTP status and a
// stable code the client switches on, with a human message.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// handle turns a handler that returns an error into an http.Handler: an
// *apiError is sent as is, any other error is logged and sent as a 500 that
// says nothing about the cause.
func (h *Handler) handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			h.log.ErrorContext(r.Context(), "api: internal error", "path", r.URL.Path, "err", err)
			ae = errorf(http.StatusInternalServerError, "internal", "internal error")
		}
		if ae.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodPost)
		}
		writeJSON(w, ae.status, errorBody{Error: ae.code, Message: ae.message})
	})
}

// post accepts only POST with a JSON body. Requiring application/json also
// keeps other sites out: a cross-origin form or text/plain POST would need
// no CORS preflight, a JSON one does, and this API answers no preflight.
func (h *Handler) post(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return h.handle(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodPost {
			return errorf(http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send Content-Type: application/json")
		}
		return fn(w, r)
	})
}

// request is a JSON request body that can say which required field it lacks.
type request interface {
	missing() string
}

// decode reads one JSON object into v: at most maxBody bytes, no unknown
// fields, nothing after it, and every required field present.
func decode(w http.ResponseWriter, r *http.Request, v request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			if ae := decodeError(err); ae.status == http.StatusRequestEntityTooLarge {
				return ae
			}
		}
		return errorf(http.StatusBadRequest, "bad_request", "one JSON object expected, found more")
	}
	if f := v.missing(); f != "" {
		return errorf(http.StatusBadRequest, "bad_request", "missing field %q", f)
	}
	return nil
}

func decodeError(err error) *apiError {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "request body over %d bytes", maxBody)
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "bad_request", "empty body")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(http.StatusBadRequest, "bad_request", "malformed JSON")
	case errors.As(err, &typ):
		return errorf(http.StatusBadRequest, "bad_request", "field %q has the wrong type", typ.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return errorf(http.StatusBadRequest, "bad_request", "%s", strings.TrimPrefix(err.Error(), "json: "))
	default:
		return errorf(http.StatusBadRequest, "bad_request", "unreadable JSON")
	}
}

// writeJSON sends v. Responses carry tokens and the personal message, so
// nothing may cache them.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"internal","message":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
