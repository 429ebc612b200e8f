package shop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/honnin/honnin/edge/contract"
)

// errIssuerUnavailable: the issuer could not be reached or answered with
// something other than the contract (5xx, not JSON). The checkout answers 502.
var errIssuerUnavailable = errors.New("issuer unavailable")

// issuerRefusal is a 4xx with the contract's error body: the request was
// understood and refused (a malformed card number, a wrong API key).
type issuerRefusal struct {
	Status  int
	Code    string
	Message string
}

func (e *issuerRefusal) Error() string {
	return fmt.Sprintf("issuer refused (%d %s): %s", e.Status, e.Code, e.Message)
}

// issuerClient speaks the merchant side of the issuer API.
type issuerClient struct {
	base   string // e.g. http://127.0.0.1:8081
	apiKey string
	http   *http.Client
}

type createAuthentication struct {
	CardNumber     string `json:"card_number"`
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	MerchantName   string `json:"merchant_name"`
	MerchantOrigin string `json:"merchant_origin"`
	OrderRef       string `json:"order_ref"`
}

// authentication is the issuer's answer: status C with a session token to
// mount the challenge, or N/U (R) with a reason and no challenge.
type authentication struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Reason       string `json:"reason"`
	SessionToken string `json:"session_token"`
	ChallengeURL string `json:"challenge_url"`
}

// maxIssuerResponse bounds what the shop reads from the issuer.
const maxIssuerResponse = 64 << 10

// create asks the issuer to start an authentication for one purchase.
func (c *issuerClient) create(ctx context.Context, req createAuthentication) (authentication, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return authentication{}, fmt.Errorf("shop: create authentication: %w", err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/authentications", bytes.NewReader(body))
	if err != nil {
		return authentication{}, fmt.Errorf("shop: create authentication: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("Authorization", "Bearer "+c.apiKey)
	resp, err := c.http.Do(hr)
	if err != nil {
		return authentication{}, fmt.Errorf("shop: create authentication: %w: %v", errIssuerUnavailable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxIssuerResponse+1))
	if err != nil {
		return authentication{}, fmt.Errorf("shop: create authentication: %w: read: %v", errIssuerUnavailable, err)
	}
	if len(raw) > maxIssuerResponse {
		return authentication{}, fmt.Errorf("shop: create authentication: %w: response over %d bytes", errIssuerUnavailable, maxIssuerResponse)
	}

	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated:
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Error == "" {
			return authentication{}, fmt.Errorf("shop: create authentication: %w: %s without an error body", errIssuerUnavailable, resp.Status)
		}
		return authentication{}, fmt.Errorf("shop: create authentication: %w", &issuerRefusal{Status: resp.StatusCode, Code: e.Error, Message: e.Message})
	default:
		return authentication{}, fmt.Errorf("shop: create authentication: %w: %s", errIssuerUnavailable, resp.Status)
	}

	// The response is read leniently (the issuer may add fields) but must
	// carry what the flow needs.
	var a authentication
	if err := json.Unmarshal(raw, &a); err != nil {
		return authentication{}, fmt.Errorf("shop: create authentication: %w: response is not JSON: %v", errIssuerUnavailable, err)
	}
	switch {
	case a.ID == "":
		return authentication{}, fmt.Errorf("shop: create authentication: %w: response has no id", errIssuerUnavailable)
	case a.Status == contract.StatusChallenge && a.SessionToken == "":
		return authentication{}, fmt.Errorf("shop: create authentication: %w: status C without a session token", errIssuerUnavailable)
	case a.Status == contract.StatusChallenge, noChallengeStatus(a.Status):
		return a, nil
	default:
		// Y or A here would be an unsigned claim of success: the shop only
		// believes those in a result token.
		return authentication{}, fmt.Errorf("shop: create authentication: %w: unexpected status %q", errIssuerUnavailable, a.Status)
	}
}

// noChallengeStatus reports the statuses that end a checkout before any
// challenge: not enrolled (N), unavailable (U), rejected (R).
func noChallengeStatus(s string) bool {
	return s == contract.StatusNotAuthenticated || s == contract.StatusUnavailable || s == contract.StatusRejected
}
