package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/contract"
)

func TestStartChallenge(t *testing.T) {
	tests := []struct {
		card, email, subject, dest string
	}{
		{cardJA, emailJA, "本人認証", "***@mail.jp"},
		{cardEN, emailEN, "one-time", "***@mail.example"},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			h := newHarness(t)
			id := h.createChallenge(tt.card)
			h.clock.Add(5 * time.Second)
			res := h.start(id)
			if res.Decision != "challenge" || res.Delivery != "sent" {
				t.Fatalf("start = %+v", res)
			}
			o := h.openChallenge(res.ChallengeToken)
			c := o.claims
			if c.Subject != id || c.Gen != 1 || c.Method != "email" || c.Dest != tt.dest ||
				c.MerchantOrigin != testOrigin || c.ID == "" ||
				!c.ExpiresAt.Time.Equal(t0.Add(5*time.Second+10*time.Minute)) {
				t.Errorf("claims %+v", c)
			}
			if c.Txn.Merchant != "Demo Shop" || c.Txn.Amount != 1250 || c.Txn.Currency != "JPY" ||
				!c.Txn.Date.Equal(t0) || c.Txn.Last4 != tt.card[len(tt.card)-4:] {
				t.Errorf("txn %+v", c.Txn)
			}
			p := o.payload
			if p.PM != personalMsg || p.MaxAttempts != 5 || p.Period != 600 || p.Skew != 0 || len(p.Codes) != 1 ||
				len(p.Codes[0].Cred) != 26 || p.Codes[0].Step != 0 || len(p.Codes[0].Code) != 6 || len(p.AV) != 28 {
				t.Errorf("payload %+v", p)
			}
			// What the browser can read: no codes, no personal message, no AV.
			readable := jwtPayload(t, res.ChallengeToken)
			for _, secret := range []string{`"codes"`, `"pm"`, `"av"`, "本人さん", p.AV} {
				if strings.Contains(readable, secret) {
					t.Errorf("challenge token claims readable in the browser contain %s", secret)
				}
			}

			mails := h.mails(tt.email)
			if len(mails) != 1 {
				t.Fatalf("%d mails to %s, want 1", len(mails), tt.email)
			}
			if !strings.Contains(mails[0].Text, p.Codes[0].Code) || !strings.Contains(strings.ToLower(mails[0].Subject), strings.ToLower(tt.subject)) {
				t.Errorf("mail %q / %q lacks the code %s or the %s subject", mails[0].Subject, mails[0].Text, p.Codes[0].Code, tt.subject)
			}
			if !strings.Contains(mails[0].Text, "Demo Shop") {
				t.Error("mail lacks the merchant")
			}

			// Stored: gen, method, the AV only as a hash, never the code.
			a, err := h.store.Authentication(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Gen != 1 || a.Method != "email" || string(a.AVHash) != string(hashOf(p.AV)) || a.Status != "C" {
				t.Errorf("stored %+v", a)
			}
			trail, _ := h.store.AuditTrail(t.Context(), id)
			for _, e := range trail {
				if strings.Contains(e.Detail, p.Codes[0].Code) || strings.Contains(e.Detail, p.AV) {
					t.Errorf("audit entry %+v holds the code or AV", e)
				}
			}
		})
	}
}

// The edge's call token is checked before anything happens.
func TestEdgeTokenRefused(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	now := h.clock.Now()
	tests := []struct {
		name  string
		token string
	}{
		{"missing", ""},
		{"malformed", "not.a.jwt"},
		{"garbage", "abc"},
		{"expired past the clock tolerance", h.signEdge(h.edge.Sign, challenge.TypEdge, id, now.Add(-2*time.Minute-time.Second), 60*time.Second)},
		{"lifetime over 60 s", h.signEdge(h.edge.Sign, challenge.TypEdge, id, now, 5*time.Minute)},
		{"issued in the future past the clock tolerance", h.signEdge(h.edge.Sign, challenge.TypEdge, id, now.Add(time.Minute+time.Second), 60*time.Second)},
		{"signed by the issuer key", h.signEdge(h.issuer.Sign, challenge.TypEdge, id, now, 60*time.Second)},
		{"wrong typ", h.signEdge(h.edge.Sign, challenge.TypSession, id, now, 60*time.Second)},
		{"other authentication", h.signEdge(h.edge.Sign, challenge.TypEdge, "someone-else", now, 60*time.Second)},
		{"results token", h.signEdge(h.edge.Sign, challenge.TypEdge, "results", now, 60*time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectError(t, h.do("POST", "/internal/v1/authentications/"+id+"/start", tt.token, map[string]any{}), 401, "invalid_token")
			expectError(t, h.do("POST", "/internal/v1/authentications/"+id+"/resend", tt.token, map[string]any{"gen": 1}), 401, "invalid_token")
		})
	}
	if len(h.mails(emailJA)) != 0 {
		t.Error("a refused call sent mail")
	}
	// A merchant API key is not an edge token either.
	expectError(t, h.do("POST", "/internal/v1/authentications/"+id+"/start", testAPIKey, map[string]any{}), 401, "invalid_token")

	for _, tok := range []string{
		h.signEdge(h.edge.Sign, challenge.TypEdge, id, now, 60*time.Second),
		h.signEdge(h.issuer.Sign, challenge.TypEdge, "results", now, 60*time.Second),
	} {
		body := map[string]any{"jti": "j", "sub": id, "status": "N", "reason": "", "gen": 1, "attempts": 0}
		expectError(t, h.do("POST", "/internal/v1/results", tok, body), 401, "invalid_token")
	}
}

// TestEdgeTokenClockSkew: an edge whose clock is off by less than
// limits.ClockSkew is not refused, either way: its reports are outcomes the
// issuer must not lose.
func TestEdgeTokenClockSkew(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	h.start(id)
	now := h.clock.Now()
	for i, iat := range []time.Time{now.Add(30 * time.Second), now.Add(-30 * time.Second), now.Add(-90 * time.Second)} {
		tok := h.signEdge(h.edge.Sign, challenge.TypEdge, "results", iat, 60*time.Second)
		body := map[string]any{"jti": challenge.NewID(), "sub": id, "status": "C", "reason": "wrong_code", "gen": 1, "attempts": i + 1}
		if rec := h.do("POST", "/internal/v1/results", tok, body); rec.Code != http.StatusOK {
			t.Errorf("report signed at %v (clock %v): %d %s", iat, now, rec.Code, rec.Body.String())
		}
	}
}

func TestStartRefused(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	start := func(id string, body any) *httptestResponse {
		return h.do("POST", "/internal/v1/authentications/"+id+"/start", h.edgeToken(id), body)
	}
	expectError(t, start("nope", map[string]any{}), 404, "not_found")
	expectError(t, start(id, map[string]any{"device": map[string]any{"evil": 1}}), 400, "bad_request")
	expectError(t, start(id, `{} {}`), 400, "bad_request")
	expectError(t, start(id, `{"device":{"ua":"`+strings.Repeat("x", 70<<10)+`"}}`), 413, "too_large")
	// Signals out of their limits (contract.DeviceSignals.Validate), as
	// the edge refuses them.
	expectError(t, start(id, map[string]any{"device": map[string]any{"ua": strings.Repeat("x", 513)}}), 400, "bad_request")
	expectError(t, start(id, map[string]any{"device": map[string]any{"screen_w": -1}}), 400, "bad_request")
	expectError(t, start(id, map[string]any{"edge": map[string]any{"ip": "203.0.113.7", "country": strings.Repeat("J", 9)}}), 400, "bad_request")

	// Device signals as the wasm client sends them are accepted.
	rec := start(id, map[string]any{
		"device": map[string]any{"ua": "Mozilla/5.0", "platform": "iPhone", "mobile": true, "languages": []string{"ja-JP"},
			"timezone": "Asia/Tokyo", "tz_offset": -540, "screen_w": 390, "screen_h": 844, "color_depth": 24,
			"pixel_ratio": 3, "hw_concurrency": 8, "touch_points": 5, "webdriver": false, "device_id": "d-1"},
		"edge": map[string]any{"ip": "203.0.113.7", "country": "JP"},
	})
	if rec.Code != http.StatusOK {
		t.Fatalf("start with signals: %d %s", rec.Code, rec.Body.String())
	}

	// Not enrolled: created final, cannot be started.
	body := validCreate()
	body["card_number"] = cardUnknown
	nID := decodeBody[createResponse](t, h.do("POST", "/v1/authentications", testAPIKey, body)).ID
	expectError(t, start(nID, map[string]any{}), 409, "already_final")

	// Start after the final result.
	h.report(id, "jti-final", "N", "cardholder_cancelled", 1, http.StatusOK)
	expectError(t, start(id, map[string]any{}), 409, "already_final")
}

func TestResend(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	first := h.openChallenge(h.start(id).ChallengeToken)
	resend := func(body any) *httptestResponse {
		return h.do("POST", "/internal/v1/authentications/"+id+"/resend", h.edgeToken(id), body)
	}

	// Too soon: 429 with Retry-After.
	h.clock.Add(10 * time.Second)
	rec := resend(map[string]any{"gen": 1})
	expectError(t, rec, 429, "resend_cooldown")
	if ra := rec.Header().Get("Retry-After"); ra != "20" {
		t.Errorf("Retry-After %q, want 20", ra)
	}

	h.clock.Add(20 * time.Second)
	rec = resend(map[string]any{"gen": 1})
	if rec.Code != http.StatusOK {
		t.Fatalf("resend: %d %s", rec.Code, rec.Body.String())
	}
	res := decodeBody[contract.ResendResponse](t, rec)
	if res.Delivery != "sent" {
		t.Errorf("delivery %q", res.Delivery)
	}
	second := h.openChallenge(res.ChallengeToken)
	if second.claims.Gen != 2 || second.claims.ID == first.claims.ID || second.payload.AV == first.payload.AV {
		t.Errorf("resend token: gen %d (want 2), same jti or AV as the first", second.claims.Gen)
	}
	mails := h.mails(emailJA)
	if len(mails) != 2 || !strings.Contains(mails[0].Text, second.payload.Codes[0].Code) {
		t.Errorf("%d mails; newest should hold the new code", len(mails))
	}

	// The old gen is superseded, whatever the clock.
	h.clock.Add(time.Minute)
	expectError(t, resend(map[string]any{"gen": 1}), 409, "superseded")
	expectError(t, resend(map[string]any{"gen": 7}), 409, "superseded")
	expectError(t, resend(map[string]any{}), 400, "bad_request")
	expectError(t, resend(map[string]any{"gen": 0}), 400, "bad_request")
	expectError(t, resend(map[string]any{"gen": "2"}), 400, "bad_request")
	expectError(t, h.do("POST", "/internal/v1/authentications/nope/resend", h.edgeToken("nope"), map[string]any{"gen": 2}), 404, "not_found")

	// After the final result: 409.
	h.report(id, "jti-1", "Y", "", 2, http.StatusOK)
	expectError(t, resend(map[string]any{"gen": 2}), 409, "already_final")
	if n := len(h.mails(emailJA)); n != 2 {
		t.Errorf("%d mails, want 2: refused resends must not send", n)
	}
}

// SMTP down: the start still answers with a token and delivery "failed";
// once the mail server is back, resend works at once (no cooldown, since
// nothing was delivered).
func TestSMTPDownThenResend(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	h.smtpDown()
	res := h.start(id)
	if res.Decision != "challenge" || res.Delivery != "failed" || res.ChallengeToken == "" {
		t.Fatalf("start with SMTP down = %+v", res)
	}
	if o := h.openChallenge(res.ChallengeToken); o.claims.Gen != 1 {
		t.Errorf("gen %d", o.claims.Gen)
	}
	a, _ := h.store.Authentication(t.Context(), id)
	if a.Status != "C" || a.Gen != 1 || !a.LastSentAt.IsZero() {
		t.Errorf("after failed send: %+v", a)
	}

	// Still down: resend fails the same way, and can be tried again.
	rec := h.do("POST", "/internal/v1/authentications/"+id+"/resend", h.edgeToken(id), map[string]any{"gen": 1})
	if got := decodeBody[contract.ResendResponse](t, rec); rec.Code != 200 || got.Delivery != "failed" {
		t.Fatalf("resend while down: %d %+v", rec.Code, got)
	}

	h.smtpUp()
	h.clock.Add(time.Second)
	rec = h.do("POST", "/internal/v1/authentications/"+id+"/resend", h.edgeToken(id), map[string]any{"gen": 2})
	got := decodeBody[contract.ResendResponse](t, rec)
	if rec.Code != 200 || got.Delivery != "sent" {
		t.Fatalf("resend after SMTP is back: %d %+v", rec.Code, got)
	}
	o := h.openChallenge(got.ChallengeToken)
	mails := h.mails(emailJA)
	if o.claims.Gen != 3 || len(mails) != 1 || !strings.Contains(mails[0].Text, o.payload.Codes[0].Code) {
		t.Errorf("gen %d, %d mails", o.claims.Gen, len(mails))
	}
	trail, _ := h.store.AuditTrail(t.Context(), id)
	var deliveries []string
	for _, e := range trail {
		if e.Action == "deliver" {
			deliveries = append(deliveries, e.Detail)
		}
	}
	if len(deliveries) != 3 || !strings.Contains(deliveries[0], `"delivered":false`) || !strings.Contains(deliveries[2], `"delivered":true`) {
		t.Errorf("delivery audit %v", deliveries)
	}
}

func TestResults(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	h.start(id)

	h.clock.Add(time.Minute)
	rec := h.report(id, "jti-1", "Y", "", 1, http.StatusOK)
	if got := decodeBody[contract.OutcomeResponse](t, rec); !got.Applied || got.JTI != "jti-1" {
		t.Errorf("first report %+v", got)
	}
	// Replayed jti: 200 again, nothing changes.
	h.clock.Add(time.Minute)
	rec = h.report(id, "jti-1", "Y", "", 1, http.StatusOK)
	if got := decodeBody[contract.OutcomeResponse](t, rec); got.Applied {
		t.Error("replayed report applied again")
	}
	get := decodeBody[authenticationResponse](t, h.do("GET", "/v1/authentications/"+id, testAPIKey, nil))
	if get.Status != "Y" || !get.UpdatedAt.Equal(t0.Add(time.Minute)) || get.Method != "email" {
		t.Errorf("after results: %+v", get)
	}
	// A different outcome for the same authentication: 409.
	expectError(t, h.report(id, "jti-2", "N", "auth_failed", 1, http.StatusConflict), 409, "conflict")
	// Same jti with other content: 409.
	expectError(t, h.report(id, "jti-1", "N", "auth_failed", 1, http.StatusConflict), 409, "conflict")

	tok := func() string { return h.edgeToken("results") }
	bad := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"unknown authentication", map[string]any{"jti": "j9", "sub": "nope", "status": "N", "reason": "", "gen": 1, "attempts": 0}, 404, "not_found"},
		{"unknown status", map[string]any{"jti": "j9", "sub": id, "status": "Q", "reason": "", "gen": 1, "attempts": 0}, 400, "bad_request"},
		{"attempts over the limit", map[string]any{"jti": "j9", "sub": id, "status": "C", "reason": "wrong_code", "gen": 1, "attempts": 6}, 400, "bad_request"},
		{"drift over a step", map[string]any{"jti": "j9", "sub": id, "status": "Y", "gen": 1, "cred": "x", "step": 5, "drift": 2}, 400, "bad_request"},
		{"status unknown", map[string]any{"jti": "j9", "sub": id, "status": "X", "reason": "", "gen": 1, "attempts": 0}, 400, "bad_request"},
		{"missing jti", map[string]any{"sub": id, "status": "N", "reason": "", "gen": 1, "attempts": 0}, 400, "bad_request"},
		{"missing sub", map[string]any{"jti": "j9", "status": "N", "gen": 1}, 400, "bad_request"},
		{"missing status", map[string]any{"jti": "j9", "sub": id, "gen": 1}, 400, "bad_request"},
		{"missing gen", map[string]any{"jti": "j9", "sub": id, "status": "N"}, 400, "bad_request"},
		{"negative attempts", map[string]any{"jti": "j9", "sub": id, "status": "N", "gen": 1, "attempts": -1}, 400, "bad_request"},
		{"unknown field", map[string]any{"jti": "j9", "sub": id, "status": "N", "gen": 1, "av": "x"}, 400, "bad_request"},
		{"reason with newline", map[string]any{"jti": "j9", "sub": id, "status": "N", "reason": "a\nb", "gen": 1}, 400, "bad_request"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			expectError(t, h.do("POST", "/internal/v1/results", tok(), tt.body), tt.status, tt.code)
		})
	}
}

// A Y from a token a resend superseded is refused: a resend invalidates the
// earlier code.
func TestResultFromSupersededGen(t *testing.T) {
	h := newHarness(t)
	id := h.createChallenge(cardJA)
	h.start(id)
	h.clock.Add(31 * time.Second)
	if rec := h.do("POST", "/internal/v1/authentications/"+id+"/resend", h.edgeToken(id), map[string]any{"gen": 1}); rec.Code != 200 {
		t.Fatalf("resend: %d", rec.Code)
	}
	expectError(t, h.report(id, "old", "Y", "", 1, http.StatusConflict), 409, "conflict")
	h.report(id, "new", "Y", "", 2, http.StatusOK)
	a, _ := h.store.Authentication(t.Context(), id)
	if a.Status != "Y" {
		t.Errorf("status %s", a.Status)
	}
}

// report posts an outcome as the edge's reporter does and checks the status.
func (h *harness) report(id, jti, status, reason string, gen, want int) *httptestResponse {
	h.t.Helper()
	rec := h.do("POST", "/internal/v1/results", h.edgeToken("results"),
		map[string]any{"jti": jti, "sub": id, "status": status, "reason": reason, "gen": gen, "attempts": 0})
	if rec.Code != want {
		h.t.Fatalf("report %s %s: %d %s, want %d", jti, status, rec.Code, rec.Body.String(), want)
	}
	return rec
}
