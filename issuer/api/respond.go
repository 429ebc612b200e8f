package api

import (
	"errors"
	"net/http"

	"github.com/honnin/honnin/edge/jsonapi"
)

// handle turns a handler that may fail into the response with
// jsonapi.Handle, a use case's refusal into its status and code; a 401
// also names the scheme the caller must use.
func (s *Server) handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return jsonapi.Handle(s.log, func(w http.ResponseWriter, r *http.Request) error {
		err := s.answer(w, fn(w, r))
		var e *jsonapi.Error
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="honnin-issuer"`)
		}
		return err
	})
}
