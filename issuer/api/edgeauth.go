package api

import (
	"log/slog"
	"net/http"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
)

// edgeCall authenticates a call of the edge (acs.Service.EdgeCall) about
// sub. A refusal is logged because a refused edge is an outage (a clock
// off by a minute, a key not rotated in) that nobody sees otherwise.
func (s *Server) edgeCall(r *http.Request, sub string) error {
	tok, ok := bearer(r)
	if !ok {
		return jsonapi.Errorf(http.StatusUnauthorized, contract.CodeInvalidToken, "missing Authorization: Bearer <edge token>")
	}
	if err := s.acs.EdgeCall(tok, sub); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "api: edge token refused", slog.String("path", r.URL.Path), slog.Any("err", err))
		return err
	}
	return nil
}
