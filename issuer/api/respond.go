package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/acs"
)

// unavailableRetry is the Retry-After of a 503 unavailable, in seconds:
// a PostgreSQL restart or failover, or a writer's turn, takes about that.
const unavailableRetry = 2

// handle turns a handler that may fail into the response with
// jsonapi.Handle, a use case's refusal into its status and code; a 401
// also names the scheme the caller must use.
func (s *Server) handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return jsonapi.Handle(s.log, func(w http.ResponseWriter, r *http.Request) error {
		err := s.answer(w, fn(w, r))
		if acs.Unavailable(err) {
			// The database cannot serve now: a 503 the caller may retry,
			// not a 500 that says the request or the code is broken.
			s.log.LogAttrs(r.Context(), slog.LevelWarn, "api: database unavailable",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
			w.Header().Set("Retry-After", strconv.Itoa(unavailableRetry))
			return jsonapi.Errorf(http.StatusServiceUnavailable, contract.CodeUnavailable,
				"the issuer cannot serve this now; try again in a moment")
		}
		var e *jsonapi.Error
		if errors.As(err, &e) && e.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="honnin-issuer"`)
		}
		return err
	})
}
