package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/issuer/acs"
)

// resultsBatch is POST /internal/v1/results/batch: many of the edge's
// outcomes in one call (contract.OutcomeBatch), each decoded, checked and
// recorded on its own as results does it, so one outcome the issuer
// refuses (malformed, contradicting, of an unknown authentication, or met
// by a database error) refuses only itself. The outcomes of one
// authentication are recorded in the batch's order; those of different
// authentications several at once (recordBatch). The answer is 200 with a
// verdict per outcome, in the batch's order
// (contract.OutcomeBatchResponse); only a call the issuer cannot read
// (token, Content-Type, envelope, size) is refused whole.
//
// Each outcome is its own transaction (acs.Service.RecordOutcome): a
// batch is a way to spare the edge a round trip per outcome, not a unit of
// work, and a failure in the middle leaves the ones before it recorded
// and reported so. Their writes are made durable together before the
// answer (acs.Service.RecordOutcomes); if that fails the call fails whole
// and the edge sends it again.
func (s *Server) resultsBatch(w http.ResponseWriter, r *http.Request) error {
	if err := s.edgeCall(r, contract.SubjectResults); err != nil {
		return err
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return jsonapi.Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json")
	}
	batch, err := decodeOutcomeBatch(http.MaxBytesReader(w, r.Body, contract.MaxOutcomeBatchBody))
	if err != nil {
		return err
	}
	out := contract.OutcomeBatchResponse{Results: make([]contract.OutcomeResult, len(batch.Outcomes))}
	if err := s.acs.RecordOutcomes(r.Context(), func(ctx context.Context, writers int) {
		recordBatch(batch.Outcomes, out.Results, writers, func(p parsed) contract.OutcomeResult { return s.record(ctx, p) })
	}); err != nil {
		return err
	}
	jsonapi.Write(w, http.StatusOK, out)
	return nil
}

// decodeOutcomeBatch reads the envelope of a batch: exactly one JSON
// object with only "outcomes", an array of 1 to contract.MaxOutcomeBatch
// JSON values. A body over the reader's limit (http.MaxBytesReader) is
// 413, more outcomes than the bound 413, anything else malformed 400. The
// outcomes themselves are read later, one by one (parseOutcome).
func decodeOutcomeBatch(body io.Reader) (contract.OutcomeBatch, error) {
	var b contract.OutcomeBatch
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&b)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = terr
			if err == nil {
				return b, jsonapi.BadRequest("body must hold exactly one JSON value")
			}
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return b, jsonapi.Errorf(http.StatusRequestEntityTooLarge, "too_large", "body is larger than %d bytes", contract.MaxOutcomeBatchBody)
	case errors.Is(err, io.EOF):
		return b, jsonapi.BadRequest("body is empty")
	case err != nil:
		return b, jsonapi.BadRequest("body is not a batch of outcomes: %s", strings.TrimPrefix(err.Error(), "json: "))
	case len(b.Outcomes) == 0:
		return b, jsonapi.BadRequest("outcomes is required: 1 to %d of them", contract.MaxOutcomeBatch)
	case len(b.Outcomes) > contract.MaxOutcomeBatch:
		return b, jsonapi.Errorf(http.StatusRequestEntityTooLarge, "too_large", "at most %d outcomes in a batch", contract.MaxOutcomeBatch)
	}
	return b, nil
}

// parseOutcome reads one outcome of a batch as results reads its body:
// one JSON object of contract.Outcome's shape, no unknown fields, the
// required fields and bounds of checkOutcome. The jti is returned
// whenever it could be read, for the verdict.
func parseOutcome(raw []byte) (jti string, o acs.Outcome, err error) {
	var req contract.Outcome
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var loose struct {
			JTI string `json:"jti"`
		}
		_ = json.Unmarshal(raw, &loose)
		return loose.JTI, acs.Outcome{}, jsonapi.BadRequest("outcome: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	o, err = checkOutcome(req)
	return req.JTI, o, err
}

// parsed is one outcome of a batch as parseOutcome read it, at its place
// in the batch.
type parsed struct {
	i   int
	jti string
	o   acs.Outcome
	err error
}

// recordBatch parses every outcome of raw and records them with record,
// writing each verdict at its place in out. With workers 1 they go to
// record in the batch's order. With more, the outcomes of one
// authentication still go one after another in the batch's order (a
// progress report before the result it led to; a repeat after its
// first), and those of different authentications to up to workers
// goroutines at once: on PostgreSQL, one after another, an outcome's few
// transactions waited each for its round trips, and at the end of a
// 16-client verify level the edge's queue held ~5,900 reports, the oldest
// 2.3 s, drained in 4 s; four at once, ~400, the oldest 0.16 s, drained
// within 0.25 s (e2e/BENCHMARKS.md). That is safe because the store
// already takes reports in any order they arrive in, from a retry or
// another edge: the counts follow the edge's order
// (acs.Service.RecordOutcome).
func recordBatch(raw []contract.RawOutcome, out []contract.OutcomeResult, workers int, record func(parsed) contract.OutcomeResult) {
	items := make([]parsed, len(raw))
	for i, r := range raw {
		jti, o, err := parseOutcome(json.RawMessage(r))
		items[i] = parsed{i: i, jti: jti, o: o, err: err}
	}
	if workers <= 1 {
		for _, p := range items {
			out[p.i] = record(p)
		}
		return
	}
	// An outcome that could not be read names no authentication: it is
	// refused without the database, in the "" group.
	groups := map[string][]parsed{}
	var order []string
	for _, p := range items {
		a := p.o.Authentication
		if _, ok := groups[a]; !ok {
			order = append(order, a)
		}
		groups[a] = append(groups[a], p)
	}
	work := make(chan []parsed)
	var wg sync.WaitGroup
	for range min(workers, len(order)) {
		wg.Go(func() {
			for g := range work {
				for _, p := range g {
					out[p.i] = record(p)
				}
			}
		})
	}
	for _, a := range order {
		work <- groups[a]
	}
	close(work)
	wg.Wait()
}

// record records one parsed outcome of a batch and returns the issuer's
// verdict on it.
func (s *Server) record(ctx context.Context, p parsed) contract.OutcomeResult {
	err := p.err
	if err == nil {
		var applied bool
		applied, err = s.acs.RecordOutcome(ctx, p.o)
		if err == nil {
			return contract.OutcomeResult{JTI: p.jti, Status: http.StatusOK, Applied: applied}
		}
	}
	res := s.refusal(err)
	res.JTI = p.jti
	s.log.LogAttrs(ctx, slog.LevelInfo, "api: batched outcome refused",
		slog.String("jti", p.jti), slog.Int("status", res.Status), slog.String("code", res.Error), slog.String("message", res.Message))
	return res
}

// refusal is what answer and jsonapi.Handle would have made of err for a
// call of its own: a use case's refusal with its status, code and
// Retry-After; a jsonapi.Error as is; anything else logged and 500
// internal, without detail.
func (s *Server) refusal(err error) contract.OutcomeResult {
	var r *acs.Refusal
	var e *jsonapi.Error
	switch {
	case errors.As(err, &r):
		status, ok := statuses[r.Kind]
		if !ok {
			break
		}
		res := contract.OutcomeResult{Status: status, Error: r.Code, Message: r.Message}
		if !r.RetryAt.IsZero() {
			res.RetryAfter = max(int(math.Ceil(r.RetryAt.Sub(s.acs.Now()).Seconds())), 1)
		}
		return res
	case errors.As(err, &e):
		return contract.OutcomeResult{Status: e.Status, Error: e.Code, Message: e.Message}
	}
	s.log.LogAttrs(context.Background(), slog.LevelError, "api: batched outcome: internal error", slog.Any("err", err))
	return contract.OutcomeResult{Status: http.StatusInternalServerError, Error: "internal", Message: "internal error"}
}
