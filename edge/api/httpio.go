package api

import (
	"errors"
	"net/http"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/ledger"
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
		err := fn(w, r)
		if errors.Is(err, ledger.ErrUnavailable) {
			// The ledger's database cannot serve now: what failed was not
			// recorded, and the same request may be sent again (never a
			// 500, which says the edge is broken).
			h.log.WarnContext(r.Context(), "api: ledger unavailable", "path", r.URL.Path, "err", err)
			w.Header().Set("Retry-After", "1")
			return jsonapi.Errorf(http.StatusServiceUnavailable, contract.CodeUnavailable, "the service cannot answer right now; try again in a moment")
		}
		return err
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
