package api

import (
	"net/http"

	"github.com/honnin/honnin/edge/jsonapi"
)

// post accepts only POST; the body must be JSON (see jsonapi.Decode, which
// every endpoint calls first). Requiring application/json also keeps other
// sites out: a cross-origin form or text/plain POST would need no CORS
// preflight, a JSON one does, and this API answers no preflight.
func (h *Handler) post(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return jsonapi.Handle(h.log, func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			return jsonapi.Errorf(http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		}
		return fn(w, r)
	})
}

// request is a JSON request body that can say which required field it lacks.
type request interface {
	missing() string
}

// decode reads one JSON object into v with jsonapi.Decode and checks that
// every required field is present.
func decode(w http.ResponseWriter, r *http.Request, v request) error {
	if err := jsonapi.Decode(w, r, v); err != nil {
		return err
	}
	if f := v.missing(); f != "" {
		return jsonapi.BadRequest("missing field %q", f)
	}
	return nil
}
