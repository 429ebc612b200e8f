package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/api"
	"github.com/honnin/honnin/edge/clientip"
	"github.com/honnin/honnin/edge/contract"
)

func TestStart(t *testing.T) {
	e := newEnv(t)
	req := jsonRequest("/v1/start", map[string]any{
		"session_token": e.m.session(t, "auth-s"),
		"device": map[string]any{
			"ua": "Mozilla/5.0", "platform": "iPhone", "mobile": true, "languages": []string{"ja-JP", "en"},
			"timezone": "Asia/Tokyo", "tz_offset": -540, "screen_w": 390, "screen_h": 844, "color_depth": 24,
			"pixel_ratio": 3, "hw_concurrency": 8, "touch_points": 5, "webdriver": false, "device_id": "d-1",
		},
	})
	req.RemoteAddr = "198.51.100.7:54321"
	req.Header.Set("X-Forwarded-For", "203.0.113.9") // not trusted (yet)
	rep := e.do(req)
	want(t, "start", rep, http.StatusOK, "")
	if rep.State != "challenge" || rep.ChallengeToken == "" || rep.MerchantOrigin != origin {
		t.Fatalf("start: %+v", rep)
	}
	at := func(h, m, s int) time.Time { return time.Date(2026, 11, 22, h, m, s, 0, time.UTC) }
	wantDisplay := contract.Display{
		Merchant: "Demo Shop", Amount: 1250, Currency: "JPY", Date: at(3, 0, 0), Last4: "1234",
		Message: "こんにちは Hanako", Method: "email", Dest: "***@mail.jp",
		ExpiresAt: at(3, 10, 0), AttemptsLeft: 5, ResendAfter: at(3, 0, 31), ResendsLeft: 3, Delivery: "sent",
	}
	if rep.Display == nil || *rep.Display != wantDisplay {
		t.Errorf("display\n got %+v\nwant %+v", rep.Display, wantDisplay)
	}
	// The times as the client has always read them: RFC 3339 in UTC, whole
	// seconds, although the issuer's transaction date has a fraction.
	var wire struct {
		Display map[string]any `json:"display"`
	}
	if err := json.Unmarshal(rep.raw, &wire); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"date": "2026-11-22T03:00:00Z", "expires_at": "2026-11-22T03:10:00Z", "resend_after": "2026-11-22T03:00:31Z"} {
		if wire.Display[k] != v {
			t.Errorf("display %s written as %v, want %q", k, wire.Display[k], v)
		}
	}

	e.issuer.mu.Lock()
	got := e.issuer.starts
	e.issuer.mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("issuer got %d starts", len(got))
	}
	if got[0].Edge.IP != "198.51.100.7" {
		t.Errorf("edge ip = %q, want the peer address", got[0].Edge.IP)
	}
	if d := got[0].Device; d.UA != "Mozilla/5.0" || !d.Mobile || d.TZOffset != -540 || len(d.Languages) != 2 || d.DeviceID != "d-1" || d.PixelRatio != 3 {
		t.Errorf("device signals not passed on: %+v", d)
	}
}

// TestStartAgain: reloading the iframe starts again (the issuer sends a new
// code, gen+1), keeps the attempts and retires the first token; once there
// is a result, start is refused.
func TestStartAgain(t *testing.T) {
	e := newEnv(t)
	st := e.start("auth-2x")
	want(t, "wrong", e.verify(st.ChallengeToken, wrongCode), http.StatusOK, "wrong_code")
	again := e.start("auth-2x")
	if again.Display.AttemptsLeft != 4 {
		t.Errorf("attempts_left after reload = %d, want 4", again.Display.AttemptsLeft)
	}
	want(t, "first token after reload", e.verify(st.ChallengeToken, codeFor(1)), http.StatusConflict, "superseded")
	cancelled := e.post("/v1/cancel", map[string]string{"challenge_token": again.ChallengeToken})
	want(t, "cancel", cancelled, http.StatusOK, "")
	// A reload after the end gives the page the same result again, never
	// a second one: a lost answer is not a lost purchase.
	after := e.post("/v1/start", map[string]string{"session_token": e.m.session(t, "auth-2x")})
	want(t, "start after result", after, http.StatusOK, "")
	if after.State != "result" || after.ResultToken != cancelled.ResultToken || after.Reason != "cardholder_cancelled" {
		t.Errorf("start after result: %+v, want the cancel's result again", after)
	}
}

func TestStartDeliveryFailed(t *testing.T) {
	e := newEnv(t)
	e.issuer.delivery = "failed"
	if st := e.start("auth-df"); st.Display.Delivery != "failed" {
		t.Errorf("delivery = %q, want failed", st.Display.Delivery)
	}
}

func TestStartSessionRefused(t *testing.T) {
	e := newEnv(t)
	expired := e.m.session(t, "auth-e")
	challengeToken := e.m.challenge(t, "auth-c", 1)
	e.clock.Add(11 * time.Minute)
	for _, tt := range []struct {
		name, token string
		status      int
		code        string
	}{
		{"expired", expired, http.StatusGone, "expired"},
		{"challenge token as session", challengeToken, http.StatusUnauthorized, "invalid_token"},
		{"garbage", "abc.def.ghi", http.StatusUnauthorized, "invalid_token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want(t, "start", e.post("/v1/start", map[string]string{"session_token": tt.token}), tt.status, tt.code)
		})
	}
	e.issuer.mu.Lock()
	defer e.issuer.mu.Unlock()
	if len(e.issuer.starts) != 0 {
		t.Errorf("issuer called for refused sessions")
	}
}

func TestStartIssuerDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // nothing listens there any more
	e := newEnv(t, func(c *api.Config) {
		c.Issuer = issuerClient(t, down.URL, c.Keys.Sign, c.Now)
	})
	want(t, "start", e.post("/v1/start", map[string]string{"session_token": e.m.session(t, "auth-d")}), http.StatusBadGateway, "issuer_unavailable")
}

func TestStartIssuerAnswers(t *testing.T) {
	tests := []struct {
		name     string
		decision contract.StartResponse
		status   int
		code     string
		result   string // status in the result, on 200
	}{
		{"frictionless", contract.StartResponse{Decision: "frictionless", Status: "Y", AV: "av-f"}, http.StatusOK, "", "Y"},
		{"deny", contract.StartResponse{Decision: "deny", Status: "R", Reason: "denied"}, http.StatusOK, "", "R"},
		{"unknown decision", contract.StartResponse{Decision: "maybe"}, http.StatusBadGateway, "issuer_unavailable", ""},
		{"bad status", contract.StartResponse{Decision: "deny", Status: "C"}, http.StatusBadGateway, "issuer_unavailable", ""},
		{"challenge with a bad token", contract.StartResponse{Decision: "challenge", ChallengeToken: "x.y.z"}, http.StatusBadGateway, "issuer_unavailable", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.issuer.decision = &tt.decision
			rep := e.post("/v1/start", map[string]string{"session_token": e.m.session(t, "auth-i")})
			want(t, "start", rep, tt.status, tt.code)
			if tt.status != http.StatusOK {
				return
			}
			c := e.result(rep.ResultToken)
			if rep.State != "result" || c.Status != tt.result || c.Reason != tt.decision.Reason || c.AV != tt.decision.AV {
				t.Errorf("reply %+v, claims %+v", rep, c)
			}
		})
	}
}

// TestStartForeignChallenge: the issuer's challenge token must be for the
// session's authentication.
func TestStartForeignChallenge(t *testing.T) {
	e := newEnv(t)
	e.issuer.decision = &contract.StartResponse{Decision: "challenge", ChallengeToken: e.m.challenge(t, "someone-else", 1), Delivery: "sent"}
	want(t, "start", e.post("/v1/start", map[string]string{"session_token": e.m.session(t, "auth-me")}), http.StatusBadGateway, "issuer_unavailable")
}

// TestStartTrustedProxySignals: with a resolver that trusts the proxy in
// front, the issuer gets the client's address and country from its
// headers; the same headers from anyone else change nothing (TestStart).
func TestStartTrustedProxySignals(t *testing.T) {
	proxies, err := clientip.ParseCIDRs("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	r := &clientip.Resolver{Trusted: proxies, IPHeader: "X-Forwarded-For", CountryHeader: "CF-IPCountry"}
	e := newEnv(t, func(c *api.Config) { c.Signals = r.Signals })
	for _, tt := range []struct {
		peer, wantIP, wantCountry string
	}{
		{"10.0.0.5:443", "203.0.113.9", "FR"},
		{"198.51.100.7:54321", "198.51.100.7", ""},
	} {
		req := jsonRequest("/v1/start", map[string]any{"session_token": e.m.session(t, "auth-p-"+tt.peer)})
		req.RemoteAddr = tt.peer
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		req.Header.Set("CF-IPCountry", "FR")
		want(t, "start", e.do(req), http.StatusOK, "")
		e.issuer.mu.Lock()
		got := e.issuer.starts[len(e.issuer.starts)-1].Edge
		e.issuer.mu.Unlock()
		if got.IP != tt.wantIP || got.Country != tt.wantCountry {
			t.Errorf("peer %s: issuer got %+v, want ip %s country %q", tt.peer, got, tt.wantIP, tt.wantCountry)
		}
	}
}

// TestStartIssuerContact: the issuer's contact reaches the client in the
// start's screen, challenge and deny alike, so that a denied or locked card
// names whom to call; one no screen should show is dropped, not the screen.
func TestStartIssuerContact(t *testing.T) {
	good := &contract.Issuer{Name: "ホンニンカード", Phone: "0120-123-456", Portal: "https://card.example/portal/"}
	bad := &contract.Issuer{Name: "Bank", Portal: "javascript:alert(1)"}
	branded := &contract.Issuer{Name: "Gold Card", Phone: "0120-111-111", Logo: "data:image/png;base64,iVBORw0KGgo=", Color: "#7a5c00", Accent: "#1a1a1a"}
	pale := &contract.Issuer{Name: "Pale Card", Color: "#ffdd00"} // white text on it: 1.4:1
	farLogo := &contract.Issuer{Name: "Far Card", Logo: "https://logo.example/far.png"}
	tests := []struct {
		name     string
		decision *contract.StartResponse
		contact  *contract.Issuer
		want     *contract.Issuer
	}{
		{"challenge", nil, good, good},
		{"challenge without contact", nil, nil, nil},
		{"challenge with a bad contact", nil, bad, nil},
		{"challenge with a brand", nil, branded, branded},
		{"challenge with a colour text fails on", nil, pale, nil},
		{"challenge with a logo from elsewhere", nil, farLogo, nil},
		{"deny", &contract.StartResponse{Decision: "deny", Status: "R", Reason: "suspected_fraud", Issuer: good}, nil, good},
		{"deny with a bad contact", &contract.StartResponse{Decision: "deny", Status: "R", Reason: "suspected_fraud", Issuer: bad}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.issuer.decision = tt.decision
			e.issuer.contact = tt.contact
			rep := e.post("/v1/start", map[string]string{"session_token": e.m.session(t, "auth-c")})
			want(t, "start", rep, http.StatusOK, "")
			switch {
			case tt.want == nil && rep.Issuer != nil:
				t.Errorf("issuer = %+v, want none", *rep.Issuer)
			case tt.want != nil && (rep.Issuer == nil || *rep.Issuer != *tt.want):
				t.Errorf("issuer = %+v, want %+v", rep.Issuer, *tt.want)
			}
		})
	}
}

// TestStartCredentialLocked: the issuer refuses a start because the
// cardholder's credentials were locked since the decision. The client gets
// the lock's end state (a result N credential_locked, whose screen names
// whom to call), not "issuer unavailable", and the issuer learns the end.
func TestStartCredentialLocked(t *testing.T) {
	e := newEnv(t)
	e.issuer.refuseStart = &refusal{http.StatusConflict, contract.CodeCredentialLocked}
	rep := e.post("/v1/start", map[string]string{"session_token": e.m.session(t, "auth-l")})
	want(t, "start", rep, http.StatusOK, "")
	c := e.result(rep.ResultToken)
	if rep.State != "result" || c.Status != contract.StatusNotAuthenticated || c.Reason != contract.ReasonCredentialLocked {
		t.Errorf("reply %+v, claims %+v; want a result N credential_locked", rep, c)
	}
}
