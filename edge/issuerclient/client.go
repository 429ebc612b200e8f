// Package issuerclient is the edge's one client of the issuer's internal
// API (edge/contract): the calls the cardholder waits for (start, resend,
// a password check), a prepare, and the delivery of queued outcomes. It is where the
// edge signs its call tokens, reads the issuer's refusals (Error) and makes
// its outgoing HTTP calls (edge/fetch: net/http's client natively, the
// runtime's fetch() inside Workers), so both runtimes and both callers
// (edge/api, edge/report) do each the same way.
package issuerclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/fetch"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/requestid"
)

// Time limits of one call, answer included.
const (
	// CallTimeout bounds start, resend and a password check: a start may
	// wait for the issuer's mail server, a password check for a slot of
	// its hashing budget. It is contract.EdgeWait, longer than the
	// issuer's own deadline, so a send that fails is answered "failed"
	// in time, never "issuer unavailable" (contract's deadlines).
	CallTimeout = contract.EdgeWait
	// OutcomeTimeout bounds one delivery of an outcome; a delivery that
	// fails is retried later, so it need not wait long.
	OutcomeTimeout = 10 * time.Second
)

// maxErrorBody is how much of a refusal's body is read: its code and
// message, or the start of a proxy's error page.
const maxErrorBody = 4 << 10

// Config is what a Client needs. URL and Key are required.
type Config struct {
	// URL is the issuer's base URL, e.g. http://127.0.0.1:8081.
	URL string
	// Key is the edge's signing key: it signs the call tokens.
	Key challenge.SigningKey
	// HTTP makes the calls (edge/fetch: inside Workers only its Timeout is
	// used); nil means http.DefaultClient. Each call is bounded by
	// CallTimeout or OutcomeTimeout besides.
	HTTP *http.Client
	// Now is the clock of the call tokens; nil means time.Now.
	Now func() time.Time
}

// Client calls the issuer. It is safe for concurrent use.
type Client struct {
	base string
	key  challenge.SigningKey
	hc   *http.Client
	now  func() time.Time
	// results is the call token outcome deliveries reuse (token.go).
	results tokenCache
}

// New returns a client of the issuer at cfg.URL. It makes no call.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.Key.Private == nil {
		return nil, errors.New("issuerclient: URL and Key are required")
	}
	c := &Client{base: strings.TrimRight(cfg.URL, "/"), key: cfg.Key, hc: cfg.HTTP, now: cfg.Now}
	if c.hc == nil {
		c.hc = http.DefaultClient
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Start asks the issuer to decide on authID and, on a challenge, send its
// code (contract.StartPath).
func (c *Client) Start(ctx context.Context, authID string, req contract.StartRequest) (contract.StartResponse, error) {
	var out contract.StartResponse
	err := c.call(ctx, authID, contract.StartPath, req, &out)
	return out, err
}

// Resend asks for a new code for authID, whose newest token is of gen
// (contract.ResendPath); the answer's token is of gen+1.
func (c *Client) Resend(ctx context.Context, authID string, gen int) (contract.ResendResponse, error) {
	var out contract.ResendResponse
	err := c.call(ctx, authID, contract.ResendPath, contract.ResendRequest{Gen: &gen}, &out)
	return out, err
}

// CheckPassword asks whether password is the static password of authID's
// cardholder, for the challenge of gen (contract.PasswordPath). An answer
// without "ok" is an error, never a yes or a no.
func (c *Client) CheckPassword(ctx context.Context, authID string, gen int, password string) (bool, error) {
	var out contract.PasswordResponse
	if err := c.call(ctx, authID, contract.PasswordPath, contract.PasswordRequest{Gen: &gen, Password: password}, &out); err != nil {
		return false, err
	}
	if out.OK == nil {
		return false, errors.New("issuer password: answer has no ok")
	}
	return *out.OK, nil
}

// Prepare hands the issuer the device signals Honnin.prepare collected for
// authID (contract.PreparePath); the answer says which device cookie to set.
func (c *Client) Prepare(ctx context.Context, authID string, req contract.PrepareRequest) (contract.PrepareResponse, error) {
	var out contract.PrepareResponse
	err := c.call(ctx, authID, contract.PreparePath, req, &out)
	return out, err
}

// EMVChallenge asks the issuer to open the browser challenge of the EMV
// transaction acsTransID, for a CReq the edge read (contract.EMVChallengePath).
// The answer is a session token, or the message to post to the
// notificationURL instead; an acsTransID the issuer does not know is an
// *Error of status 404.
func (c *Client) EMVChallenge(ctx context.Context, acsTransID string, req contract.EMVChallengeRequest) (contract.EMVChallengeResponse, error) {
	var out contract.EMVChallengeResponse
	err := c.call(ctx, acsTransID, contract.EMVChallengePath, req, &out)
	return out, err
}

// EMVMethod hands the issuer the device data the 3DS Method page collected
// for threeDSServerTransID (contract.EMVMethodPath). The answer has no body.
func (c *Client) EMVMethod(ctx context.Context, threeDSServerTransID string, req contract.EMVMethodRequest) error {
	return c.call(ctx, threeDSServerTransID, contract.EMVMethodPath, req, nil)
}

// PostOutcome delivers one outcome, body being an encoded contract.Outcome
// as the edge queued it (contract.ResultsPath). Any 2xx is delivered; a
// refusal is an *Error, whose Status says whether a retry can help.
func (c *Client) PostOutcome(ctx context.Context, body string) error {
	ctx, cancel := context.WithTimeout(ctx, OutcomeTimeout)
	defer cancel()
	token, err := c.resultsToken()
	if err != nil {
		return fmt.Errorf("issuer results: %w", err)
	}
	resp, err := c.post(ctx, contract.ResultsPath, token, body, maxErrorBody)
	if err != nil {
		return fmt.Errorf("issuer results: %w", err)
	}
	if resp.Status/100 != 2 {
		return decodeError(resp)
	}
	return nil
}

// maxBatchAnswer is how much of a batch's answer is read: a verdict per
// outcome, each with a message of at most a few hundred bytes.
const maxBatchAnswer = contract.MaxOutcomeBatch * 2 << 10

// PostOutcomes delivers bodies, each an encoded contract.Outcome as the edge
// queued it, in one call (contract.ResultsBatchPath), and returns the
// issuer's verdict on each, in order. The caller keeps the batch within
// contract.MaxOutcomeBatch outcomes and MaxOutcomeBatchBody bytes, and each
// body one JSON value. An error means no verdict on any: a refusal of the
// whole call is an *Error (an issuer without the batch endpoint answers 404
// or 405); an answer that does not hold one verdict per outcome is an
// error of its own. Matching each verdict's jti to its outcome is the
// caller's: to the client the bodies are opaque.
func (c *Client) PostOutcomes(ctx context.Context, bodies []string) ([]contract.OutcomeResult, error) {
	ctx, cancel := context.WithTimeout(ctx, OutcomeTimeout)
	defer cancel()
	token, err := c.resultsToken()
	if err != nil {
		return nil, fmt.Errorf("issuer results batch: %w", err)
	}
	resp, err := c.post(ctx, contract.ResultsBatchPath, token, `{"outcomes":[`+strings.Join(bodies, ",")+`]}`, maxBatchAnswer+1)
	if err != nil {
		return nil, fmt.Errorf("issuer results batch: %w", err)
	}
	if resp.Status/100 != 2 {
		return nil, decodeError(resp)
	}
	if len(resp.Body) > maxBatchAnswer {
		return nil, fmt.Errorf("issuer results batch: answer over %d bytes", maxBatchAnswer)
	}
	var out contract.OutcomeBatchResponse
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, fmt.Errorf("issuer results batch: decode answer: %w", err)
	}
	if len(out.Results) != len(bodies) {
		return nil, fmt.Errorf("issuer results batch: %d verdicts for %d outcomes", len(out.Results), len(bodies))
	}
	for i := range out.Results {
		out.Results[i].Message = cut(out.Results[i].Message, maxMessage)
	}
	return out.Results, nil
}

// call POSTs in to pattern's path for id (the call token's subject) and
// decodes the answer into out; nil out takes any 2xx and ignores its body.
// Unknown fields in the answer are allowed: the issuer may add some before
// the edge knows them.
func (c *Client) call(ctx context.Context, id, pattern string, in, out any) error {
	op := pattern[strings.LastIndexByte(pattern, '/')+1:]
	if op == "device" {
		op = "method"
	}
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	token, err := c.authToken(id)
	if err != nil {
		return fmt.Errorf("issuer %s: %w", op, err)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("issuer %s: %w", op, err)
	}
	resp, err := c.post(ctx, path(pattern, id), token, string(body), jsonapi.MaxBody+1)
	if err != nil {
		return fmt.Errorf("issuer %s: %w", op, err)
	}
	if resp.Status/100 != 2 {
		return fmt.Errorf("issuer %s: %w", op, decodeError(resp))
	}
	if out == nil {
		return nil
	}
	if len(resp.Body) > jsonapi.MaxBody {
		return fmt.Errorf("issuer %s: answer over %d bytes", op, jsonapi.MaxBody)
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("issuer %s: decode answer: %w", op, err)
	}
	return nil
}

// post sends body to path with token and reads at most limit bytes of
// the answer.
func (c *Client) post(ctx context.Context, path, token, body string, limit int64) (*fetch.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if id := requestid.FromContext(ctx); id != "" {
		// The issuer logs the cardholder's request under the same id.
		req.Header.Set(requestid.Header, id)
	}
	return fetch.Do(c.hc, req, limit)
}

// path is pattern (one of contract's paths) for id: its one wildcard
// ({id}, {acsTransID}, {threeDSServerTransID}) replaced by id, escaped as
// a path segment.
func path(pattern, id string) string {
	before, rest, ok := strings.Cut(pattern, "{")
	if !ok {
		return pattern
	}
	_, after, _ := strings.Cut(rest, "}")
	return before + url.PathEscape(id) + after
}
