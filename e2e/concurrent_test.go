package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// concurrency is how many requests are in flight at once: more than the
// Workers glue's pool of warm Go instances, so some wait for one.
const concurrency = 16

// Sixteen cardholders at once, each request carrying its own
// authentication: every answer must be about the request's own
// authentication, never a neighbour's. In workerd this is what proves the
// warm-instance glue (a pool of Go instances, one request each at a time)
// keeps requests apart, D1 batches and the background report included.
// Each has a card of its own (a card has one open challenge at a time).
func TestConcurrentRequestsKeepTheirOwnID(t *testing.T) {
	needStack(t)
	type auth struct {
		id, session, email, challenge, code string
	}
	auths := make([]*auth, concurrency)
	for i := range auths {
		card := newCard(t, "email", enrolOpts{})
		a := &auth{email: card.Email}
		var out struct {
			ID           string `json:"id"`
			SessionToken string `json:"session_token"`
		}
		post(t, sys.IssuerURL+"/v1/authentications", "Bearer "+sys.APIKey, map[string]any{
			"card_number": card.Number, "amount": 1000 + i, "currency": "JPY",
			"merchant_origin": sys.ShopURL, "order_ref": fmt.Sprintf("C-%d-%d", time.Now().UnixNano(), i),
		}, http.StatusCreated, &out)
		a.id, a.session = out.ID, out.SessionToken
		auths[i] = a
	}

	all := func(name string, fn func(a *auth) error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, len(auths))
		start := make(chan struct{})
		for i, a := range auths {
			wg.Go(func() {
				<-start
				errs[i] = fn(a)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s #%d (%s): %v", name, i, auths[i].id, err)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}

	all("start", func(a *auth) error {
		var out struct {
			State          string `json:"state"`
			ChallengeToken string `json:"challenge_token"`
		}
		if err := edgePost("/v1/start", map[string]any{"session_token": a.session}, http.StatusOK, &out); err != nil {
			return err
		}
		if sub := jwtSub(out.ChallengeToken); sub != a.id {
			return fmt.Errorf("challenge token is for %q", sub)
		}
		a.challenge = out.ChallengeToken
		return nil
	})

	// Each cardholder's code mail is its own.
	for _, a := range auths {
		a.code, _ = nextCode(t, a.email, 0)
	}

	all("verify", func(a *auth) error {
		var out struct {
			Status      string `json:"status"`
			ResultToken string `json:"result_token"`
		}
		if err := edgePost("/v1/verify", map[string]any{"challenge_token": a.challenge, "code": a.code}, http.StatusOK, &out); err != nil {
			return err
		}
		if sub := jwtSub(out.ResultToken); sub != a.id || out.Status != "Y" {
			return fmt.Errorf("result %q for %q, want Y for its own", out.Status, sub)
		}
		return nil
	})
	// Single use holds under concurrency too: another code is refused,
	// and the same proof again gets the same result, nothing more.
	all("verify again", func(a *auth) error {
		return edgePost("/v1/verify", map[string]any{"challenge_token": a.challenge, "code": otherCode(a.code)}, http.StatusConflict, nil)
	})
	for _, a := range auths {
		waitFor(t, "the issuer to record "+a.id, 30*time.Second, func() bool { return issuerStatus(t, a.id) == "Y" })
	}
}

// otherCode is a 6-digit code that is not code.
func otherCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func edgePost(path string, in any, want int, out any) error {
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", sys.EdgeURL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode != want {
		return fmt.Errorf("%s: %s %s, want %d", path, resp.Status, raw, want)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func post(t *testing.T, url, auth string, in any, want int, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %s, want %d", url, resp.Status, want)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// jwtSub reads a token's sub without checking it: the tests that check
// tokens are elsewhere; this one only asks whose answer it is.
func jwtSub(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Sub string `json:"sub"`
	}
	_ = json.Unmarshal(b, &c)
	return c.Sub
}
