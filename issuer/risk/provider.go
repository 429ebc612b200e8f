package risk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ProviderRequest is what the third-party risk service is sent: identifiers
// only as keyed HMACs (never the card number, an email, the device id as
// stored in the browser, or the IP address), and the coarse facts it
// scores on.
type ProviderRequest struct {
	Card      string `json:"card"`             // HMAC of the card's lookup key
	Device    string `json:"device,omitempty"` // HMAC of the device id
	IP        string `json:"ip,omitempty"`     // HMAC of the IP address
	Country   string `json:"country,omitempty"`
	ASN       int64  `json:"asn,omitempty"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Timezone  string `json:"timezone,omitempty"`
	Webdriver bool   `json:"webdriver,omitempty"`
}

// providerResponse is the service's answer: a score from 0 (safe) to 100
// (fraud).
type providerResponse struct {
	Score *int `json:"score"`
}

// Provider calls the third-party risk service. Its timeout is strict: the
// service is asked in parallel with the history queries and, if it has not
// answered when its time is up, the rules decide alone.
type Provider struct {
	URL     string
	Timeout time.Duration
	// Client defaults to one without redirects; its own timeout is not
	// used (Timeout bounds the call).
	Client *http.Client
}

// NewProvider returns the configured provider, or nil when none is.
func NewProvider(c ProviderConfig) *Provider {
	if c.URL == "" {
		return nil
	}
	return &Provider{URL: c.URL, Timeout: time.Duration(c.Timeout), Client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// maxProviderBody caps the answer read.
const maxProviderBody = 4 << 10

// Score asks the service. Any failure (down, slow, non-200, a malformed or
// out-of-range answer) is an error, and the caller decides without it.
func (p *Provider) Score(ctx context.Context, req ProviderRequest) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	body, err := json.Marshal(req)
	if err != nil {
		return 0, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("risk: provider: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	c := p.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(hr)
	if err != nil {
		return 0, fmt.Errorf("risk: provider: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxProviderBody))
		return 0, fmt.Errorf("risk: provider answered %s", resp.Status)
	}
	var pr providerResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxProviderBody)).Decode(&pr); err != nil {
		return 0, fmt.Errorf("risk: provider: bad answer: %w", err)
	}
	if pr.Score == nil || *pr.Score < 0 || *pr.Score > 100 {
		return 0, fmt.Errorf("risk: provider: score missing or outside 0..100")
	}
	return *pr.Score, nil
}
