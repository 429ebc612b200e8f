package load

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

// CheckLoopback refuses a target that is not on this machine's loopback:
// the driver sends thousands of requests a second and must never be
// pointed at someone else's server. The host must be "localhost" or a
// loopback IP literal; no name is resolved.
func CheckLoopback(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("load: target %q: %w", target, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("load: target %q: want an http:// or https:// URL", target)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("load: target %q is not on loopback (127.0.0.0/8, ::1 or localhost): the load driver only runs against this machine", target)
}

// Target is where the stack answers: the issuer's merchant API, the edge
// and the dev mail sink's JSON API, and the merchant's API key and origin.
type Target struct {
	IssuerURL, EdgeURL, InboxURL string
	APIKey                       string
	// MerchantName and MerchantOrigin are the merchant's registered name
	// and origin (the demo shop's).
	MerchantName, MerchantOrigin string
}

// Client makes the driver's requests to a Target.
type Client struct {
	t    Target
	http *http.Client
}

// NewClient checks that every URL of t is on loopback.
func NewClient(t Target, clients int) (*Client, error) {
	for _, u := range []string{t.IssuerURL, t.EdgeURL, t.InboxURL} {
		if err := CheckLoopback(u); err != nil {
			return nil, err
		}
	}
	// Every client keeps its connections: what is measured is the work,
	// not a TCP handshake per request.
	tr := &http.Transport{MaxIdleConns: 4 * (clients + 8), MaxIdleConnsPerHost: 2 * (clients + 8),
		IdleConnTimeout: time.Minute, DisableCompression: true}
	return &Client{t: t, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}, nil
}

// Close closes the idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// errTransport marks a request that got no answer.
var errTransport = errors.New("transport")

// post sends body as JSON and returns the status and the answer's body.
func (c *Client) post(ctx context.Context, url, bearer string, body any) (int, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errTransport, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errTransport, err)
	}
	return resp.StatusCode, raw, nil
}

// Amount is what every authentication asks for, in JPY: above the risk
// configuration's frictionless_max_amount (3,000), so no create or start
// is answered frictionless and every one goes through the challenge.
const Amount = 5000

// Create is the merchant's POST /v1/authentications for card; on the
// expected 201 it returns the session token.
func (c *Client) Create(ctx context.Context, card string) (session, unexpected string) {
	st, raw, err := c.post(ctx, c.t.IssuerURL+"/v1/authentications", c.t.APIKey, map[string]any{
		"card_number": card, "amount": Amount, "currency": "JPY", "merchant_name": c.t.MerchantName,
		"merchant_origin": c.t.MerchantOrigin, "order_ref": "LOAD-" + rand.Text()[:12],
	})
	if err != nil {
		return "", "create: transport"
	}
	var out struct {
		Status       string `json:"status"`
		SessionToken string `json:"session_token"`
	}
	if st != http.StatusCreated || json.Unmarshal(raw, &out) != nil || out.SessionToken == "" {
		return "", strings.TrimSpace(fmt.Sprintf("create %d %s", st, out.Status))
	}
	return out.SessionToken, ""
}

// screen is the edge's answer (its refusals' {"error"} fill Error too).
type screen = contract.Screen

// label names an unexpected edge answer: status, then the screen's
// state, error, result status and reason, whichever it has.
func label(step string, st int, s screen) string {
	l := fmt.Sprintf("%s %d", step, st)
	for _, f := range []string{s.State, s.Error, s.Status, s.Reason} {
		if f != "" {
			l += " " + f
		}
	}
	return l
}

// Device is the device signals a start sends: an ordinary desktop Chrome
// in Japan, as the challenge client collects them, with a fresh device
// id each time (a reused id would be one device paying thousands of times).
func Device() *contract.DeviceSignals {
	return &contract.DeviceSignals{
		UA:        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		Platform:  "Windows",
		Languages: []string{"ja-JP", "ja", "en-US"},
		Timezone:  "Asia/Tokyo", TZOffset: -540,
		ScreenW: 1920, ScreenH: 1080, ColorDepth: 24, PixelRatio: 1, HWConcurrency: 8,
		DeviceID: strings.ToLower(rand.Text()),
	}
}

// Start is the challenge client's POST /v1/start at the edge; on the
// expected challenge screen with the code sent it returns the challenge
// token.
func (c *Client) Start(ctx context.Context, session string) (challenge, unexpected string) {
	st, raw, err := c.post(ctx, c.t.EdgeURL+"/v1/start", "",
		contract.ClientStartRequest{SessionToken: session, Device: Device()})
	if err != nil {
		return "", "start: transport"
	}
	var s screen
	_ = json.Unmarshal(raw, &s)
	if st != http.StatusOK || s.State != contract.StateChallenge || s.ChallengeToken == "" ||
		s.Display == nil || s.Display.Delivery != contract.DeliverySent {
		return "", label("start", st, s)
	}
	return s.ChallengeToken, ""
}

// VerifyWrong posts a wrong code; the expected answer is the challenge
// screen again with error wrong_code.
func (c *Client) VerifyWrong(ctx context.Context, challenge, code string) (unexpected string) {
	st, s, err := c.verify(ctx, challenge, code)
	if err != nil {
		return "verify: transport"
	}
	if st != http.StatusOK || s.State != contract.StateChallenge || s.Error != contract.ReasonWrongCode {
		return label("verify", st, s)
	}
	return ""
}

// VerifyRight posts the right code; the expected answer is the result
// screen with status Y.
func (c *Client) VerifyRight(ctx context.Context, challenge, code string) (unexpected string) {
	st, s, err := c.verify(ctx, challenge, code)
	if err != nil {
		return "verify: transport"
	}
	if st != http.StatusOK || s.State != contract.StateResult || s.Status != contract.StatusAuthenticated {
		return label("verify", st, s)
	}
	return ""
}

func (c *Client) verify(ctx context.Context, challenge, code string) (int, screen, error) {
	st, raw, err := c.post(ctx, c.t.EdgeURL+"/v1/verify", "", contract.VerifyRequest{ChallengeToken: challenge, Code: code})
	var s screen
	if err == nil {
		_ = json.Unmarshal(raw, &s)
	}
	return st, s, err
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// NewestCode is the one-time code in the newest mail to address at the
// dev mail sink, and that mail's id.
func (c *Client) NewestCode(ctx context.Context, address string) (code, id string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.t.InboxURL+"/api/messages?to="+url.QueryEscape(address), nil)
	if err != nil {
		return "", "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("load: mail sink: %w", err)
	}
	defer resp.Body.Close()
	var ms []struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ms); err != nil {
		return "", "", fmt.Errorf("load: mail sink: %w", err)
	}
	if len(ms) == 0 {
		return "", "", fmt.Errorf("load: no mail to %s", address)
	}
	m := codeRE.FindStringSubmatch(ms[0].Text)
	if m == nil {
		return "", "", fmt.Errorf("load: no 6-digit code in the newest mail to %s", address)
	}
	return m[1], ms[0].ID, nil
}
