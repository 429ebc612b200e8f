package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/fetch"
	"github.com/honnin/honnin/edge/jsonapi"
	"github.com/honnin/honnin/edge/limits"
)

// IssuerClient is the Issuer over the issuer's internal HTTP API. Each call
// carries a fresh edge-signed call token (typ honnin-edge+jwt, aud
// honnin-issuer, 60 s).
type IssuerClient struct {
	// URL is the issuer's base URL, e.g. http://127.0.0.1:8081.
	URL string
	// Key is the edge's signing key.
	Key challenge.SigningKey
	// Client makes the calls; nil means a client with a 15 s timeout (a
	// start may wait for the issuer's mail server).
	Client *http.Client
	// Now is the clock for the call tokens; nil means time.Now.
	Now func() time.Time
}

var defaultIssuerHTTP = &http.Client{Timeout: 15 * time.Second}

// Start implements Issuer.
func (c *IssuerClient) Start(ctx context.Context, authID string, req StartRequest) (StartResponse, error) {
	var out StartResponse
	err := c.call(ctx, authID, "start", req, &out)
	return out, err
}

// Resend implements Issuer.
func (c *IssuerClient) Resend(ctx context.Context, authID string, gen int) (ResendResponse, error) {
	var out ResendResponse
	err := c.call(ctx, authID, "resend", struct {
		Gen int `json:"gen"`
	}{gen}, &out)
	return out, err
}

// CheckPassword implements Issuer: POST .../{authID}/password
// {"gen","password"}, answered {"ok": bool}. An answer without ok is an
// error, never a yes or a no.
func (c *IssuerClient) CheckPassword(ctx context.Context, authID string, gen int, password string) (bool, error) {
	var out struct {
		OK *bool `json:"ok"`
	}
	err := c.call(ctx, authID, "password", struct {
		Gen      int    `json:"gen"`
		Password string `json:"password"`
	}{gen, password}, &out)
	if err != nil {
		return false, err
	}
	if out.OK == nil {
		return false, fmt.Errorf("issuer password: answer has no ok")
	}
	return *out.OK, nil
}

// call POSTs in to /internal/v1/authentications/{authID}/{op} and decodes
// the answer into out. Unknown fields in the answer are allowed: the
// issuer may add some before the edge knows them.
func (c *IssuerClient) call(ctx context.Context, authID, op string, in, out any) error {
	token, err := c.callToken(authID)
	if err != nil {
		return fmt.Errorf("issuer %s: %w", op, err)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("issuer %s: %w", op, err)
	}
	u := strings.TrimRight(c.URL, "/") + "/internal/v1/authentications/" + url.PathEscape(authID) + "/" + op
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("issuer %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	hc := c.Client
	if hc == nil {
		hc = defaultIssuerHTTP
	}
	resp, err := fetch.Do(hc, req, jsonapi.MaxBody+1)
	if err != nil {
		return fmt.Errorf("issuer %s: %w", op, err)
	}
	b := resp.Body
	if resp.Status/100 != 2 {
		ie := &IssuerError{Status: resp.Status, RetryAfter: resp.Wait()}
		var eb jsonapi.ErrorBody
		if json.Unmarshal(b, &eb) == nil {
			ie.Code, ie.Message = eb.Error, eb.Message
		} else {
			ie.Message = fmt.Sprintf("%.200s", bytes.TrimSpace(b))
		}
		return fmt.Errorf("issuer %s: %w", op, ie)
	}
	if len(b) > jsonapi.MaxBody {
		return fmt.Errorf("issuer %s: answer over %d bytes", op, jsonapi.MaxBody)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("issuer %s: decode answer: %w", op, err)
	}
	return nil
}

func (c *IssuerClient) callToken(authID string) (string, error) {
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	return challenge.Sign(c.Key, challenge.TypEdge, &challenge.EdgeClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    challenge.EdgeName,
		Audience:  jwt.ClaimStrings{challenge.IssuerName},
		Subject:   authID,
		ID:        challenge.NewID(),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(limits.CallTokenLifetime)),
	}})
}
