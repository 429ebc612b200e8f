package api

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/acs"
)

// Config is what the API needs: the use cases it serves.
type Config struct {
	ACS *acs.Service
	// Log defaults to slog.Default().
	Log *slog.Logger
	// AVVerifyToken is the issuer's authorisation host's bearer token for
	// POST /internal/v1/av/verify; "" turns that endpoint off (404).
	AVVerifyToken string
	// OperatorToken is the operators' bearer token for GET
	// /internal/v1/authentications/{id}/explanation; "" turns it off (404).
	OperatorToken string
	// OnRequest, if set, is told of each answered request: the route
	// pattern it matched ("GET /v1/authentications/{id}", "" for none:
	// never the path, which holds ids), its status and how long it took
	// (issuer/metrics counts them).
	OnRequest func(route string, status int, took time.Duration)
}

// Server is the issuer API; it is an http.Handler.
type Server struct {
	acs     *acs.Service
	log     *slog.Logger
	handler http.Handler
	// avTokenHash is the SHA-256 of Config.AVVerifyToken; nil: off.
	avTokenHash []byte
	// operatorTokenHash is the SHA-256 of Config.OperatorToken; nil: off.
	operatorTokenHash []byte
	onRequest         func(route string, status int, took time.Duration)
}

// New returns the API serving cfg.ACS.
func New(cfg Config) (*Server, error) {
	if cfg.ACS == nil {
		return nil, errors.New("api: no use cases (ACS)")
	}
	s := &Server{acs: cfg.ACS, log: cfg.Log, operatorTokenHash: tokenHash(cfg.OperatorToken), onRequest: cfg.OnRequest}
	if s.log == nil {
		s.log = slog.Default()
	}
	if cfg.AVVerifyToken != "" {
		h := sha256.Sum256([]byte(cfg.AVVerifyToken))
		s.avTokenHash = h[:]
	}
	mux := http.NewServeMux()
	mux.Handle("POST /v1/authentications", s.handle(s.create))
	mux.Handle("GET /v1/authentications/{id}", s.handle(s.get))
	mux.Handle("GET /.well-known/jwks.json", http.HandlerFunc(s.jwks))
	mux.Handle("POST "+contract.StartPath, s.handle(s.start))
	mux.Handle("POST "+contract.ResendPath, s.handle(s.resend))
	mux.Handle("POST "+contract.PasswordPath, s.handle(s.password))
	mux.Handle("POST "+contract.PreparePath, s.handle(s.prepare))
	mux.Handle("POST "+contract.ResultsPath, s.handle(s.results))
	mux.Handle("POST "+contract.ResultsBatchPath, s.handle(s.resultsBatch))
	mux.Handle("POST "+contract.EMVChallengePath, s.handle(s.emvChallenge))
	mux.Handle("POST "+contract.EMVMethodPath, s.handle(s.emvMethod))
	mux.Handle("POST /v1/app/register", s.handle(s.registerApp))
	mux.Handle("POST "+AVVerifyPath, s.handle(s.verifyAV))
	mux.Handle("GET "+ExplanationPath, s.handle(s.explanation))
	s.handler = s.logAndRecover(routeJSON(mux))
	return s, nil
}

// ServeHTTP serves the API, logging each request and recovering panics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// jwks publishes the issuer's and the edge's public keys. Five minutes of
// caching (challenge.JWKSMaxAge, which keys rotate waits at least) keeps
// merchants from fetching per payment while a rotated key (published
// before use) still reaches them in time.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(challenge.JWKSMaxAge.Seconds())))
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(s.acs.JWKS())
}

// statuses are the HTTP statuses of the use cases' refusals.
var statuses = map[acs.Kind]int{
	acs.Invalid:         http.StatusBadRequest,
	acs.Unauthenticated: http.StatusUnauthorized,
	acs.Forbidden:       http.StatusForbidden,
	acs.NotFound:        http.StatusNotFound,
	acs.Conflict:        http.StatusConflict,
	acs.Limited:         http.StatusTooManyRequests,
	acs.Busy:            http.StatusServiceUnavailable,
}

// answer turns a use case's refusal into the JSON error with its status
// (and Retry-After, whole seconds rounded up, at least 1); any other error
// is passed on as a fault.
func (s *Server) answer(w http.ResponseWriter, err error) error {
	var r *acs.Refusal
	if !errors.As(err, &r) {
		return err
	}
	if !r.RetryAt.IsZero() {
		secs := int(math.Ceil(r.RetryAt.Sub(s.acs.Now()).Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	status, ok := statuses[r.Kind]
	if !ok {
		return fmt.Errorf("api: refusal of unknown kind %d: %w", r.Kind, err)
	}
	return jsonapi.Errorf(status, r.Code, "%s", r.Message)
}
