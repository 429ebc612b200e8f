package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/jsonapi"
)

// edgeCall authenticates a call of the edge: a JWT signed by an edge key
// (typ honnin-edge+jwt, iss honnin-edge, aud honnin-issuer, exp at most 60 s
// after iat) whose sub names what the call is about (an authentication id,
// or "results"), so a token minted for one authentication cannot act on
// another.
func (s *Server) edgeCall(r *http.Request, sub string) error {
	tok, ok := bearer(r)
	if !ok {
		return jsonapi.Errorf(http.StatusUnauthorized, "invalid_token", "missing Authorization: Bearer <edge token>")
	}
	var c challenge.EdgeClaims
	if err := s.edge.Verify(tok, challenge.TypEdge, &c); err != nil {
		// Logged because a refused edge is an outage (a clock off by a
		// minute, a key not rotated in) that nobody sees otherwise.
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "api: edge token refused", slog.String("path", r.URL.Path), slog.Any("err", err))
		if errors.Is(err, challenge.ErrExpired) {
			return jsonapi.Errorf(http.StatusUnauthorized, "invalid_token", "edge token expired")
		}
		return jsonapi.Errorf(http.StatusUnauthorized, "invalid_token", "edge token invalid")
	}
	if c.Subject != sub {
		return jsonapi.Errorf(http.StatusUnauthorized, "invalid_token", "edge token is for another subject")
	}
	return nil
}
