package api

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/honnin/honnin/edge/jsonapi"
)

// logAndRecover logs every request and turns a panic into a 500, so one
// bad request cannot take the issuer down.
func (s *Server) logAndRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &jsonapi.StatusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.LogAttrs(r.Context(), slog.LevelError, "api: panic",
					slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if sw.Status == 0 {
					jsonapi.WriteInternal(sw)
				}
			}
			took := time.Since(start)
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "api: request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.Status), slog.Duration("took", took))
			if s.onRequest != nil {
				// The mux set r.Pattern when it routed r.
				s.onRequest(r.Pattern, sw.Status, took)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// routeJSON serves r with the mux, answering the mux's own 404 and 405
// (no route, wrong method) in the JSON error shape like every other error.
func routeJSON(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&jsonFallback{ResponseWriter: w}, r)
	})
}

// jsonFallback rewrites the plain-text 404 and 405 of http.ServeMux.
type jsonFallback struct {
	http.ResponseWriter
	swallow bool
}

func (f *jsonFallback) WriteHeader(code int) {
	switch code {
	case http.StatusNotFound:
		f.swallow = true
		jsonapi.WriteError(f.ResponseWriter, jsonapi.Errorf(code, "not_found", "no such endpoint"))
	case http.StatusMethodNotAllowed:
		f.swallow = true
		jsonapi.WriteError(f.ResponseWriter, jsonapi.Errorf(code, "method_not_allowed", "method not allowed; allowed: %s", f.Header().Get("Allow")))
	default:
		f.ResponseWriter.WriteHeader(code)
	}
}

func (f *jsonFallback) Write(b []byte) (int, error) {
	if f.swallow {
		return len(b), nil
	}
	return f.ResponseWriter.Write(b)
}
