package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/contract"
)

const avToken = "authorisation-host-token-0123456789"

// withAVToken is the harness's API with the check on under token.
func (h *harness) withAVToken(token string) {
	h.t.Helper()
	api, err := New(Config{ACS: h.api.acs, Log: h.cfg.Log, AVVerifyToken: token})
	if err != nil {
		h.t.Fatal(err)
	}
	h.api = api
}

// TestAVVerify: the authorisation host checks a frictionless Y's value for
// the card, amount and currency; the check is off without a token and
// refuses any other token.
func TestAVVerify(t *testing.T) {
	h := newHarness(t)
	h.succeedOnce(cardJA, tokyo)
	h.clock.Add(time.Hour)
	id := h.createChallenge(cardJA)
	res := h.startWith(id, tokyo, contract.EdgeSignals{IP: "203.0.113.7"})
	if res.Decision != "frictionless" || res.AV == "" {
		t.Fatalf("start: %+v, want frictionless with an av", res)
	}
	body := map[string]any{"pan": cardJA, "amount": 1250, "currency": "JPY", "av": res.AV}

	// Off: no token configured, the endpoint does not exist, whatever is sent.
	expectError(t, h.do("POST", AVVerifyPath, avToken, body), http.StatusNotFound, "not_found")
	expectError(t, h.do("POST", AVVerifyPath, "", body), http.StatusNotFound, "not_found")

	h.withAVToken(avToken)
	for _, tok := range []string{"", "wrong", avToken + "x", avToken[:len(avToken)-1], testAPIKey} {
		rec := h.do("POST", AVVerifyPath, tok, body)
		expectError(t, rec, http.StatusUnauthorized, "invalid_token")
		if rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("401 without WWW-Authenticate")
		}
	}

	rec := h.do("POST", AVVerifyPath, avToken, body)
	got := decodeBody[avVerifyResponse](t, rec)
	want := avVerifyResponse{Valid: true, Status: "Y", Method: "00", At: t0.Add(time.Hour).Format(time.RFC3339), KeyID: 1}
	if rec.Code != http.StatusOK || got != want {
		t.Errorf("verify: %d %+v; want %+v", rec.Code, got, want)
	}

	tests := []struct {
		name   string
		edit   func(map[string]any)
		status int
		want   string // reason, or the error code of a 400
	}{
		{"another card", func(b map[string]any) { b["pan"] = cardEN }, 200, "mismatch"},
		{"another amount", func(b map[string]any) { b["amount"] = 1251 }, 200, "mismatch"},
		{"another currency", func(b map[string]any) { b["currency"] = "USD" }, 200, "mismatch"},
		{"garbage value", func(b map[string]any) { b["av"] = "not an authentication value" }, 200, "malformed"},
		{"unknown key", func(b map[string]any) { b["av"] = "AQkAAAAAAAAAAAAAAAAAAAAAAAA=" }, 200, "unknown_key"},
		{"no pan", func(b map[string]any) { delete(b, "pan") }, 400, "bad_request"},
		{"not a card number", func(b map[string]any) { b["pan"] = "1234" }, 400, "bad_request"},
		{"no amount", func(b map[string]any) { delete(b, "amount") }, 400, "bad_request"},
		{"negative amount", func(b map[string]any) { b["amount"] = -1 }, 400, "bad_request"},
		{"amount as text", func(b map[string]any) { b["amount"] = "1250" }, 400, "bad_request"},
		{"numeric currency", func(b map[string]any) { b["currency"] = "392" }, 400, "bad_request"},
		{"no av", func(b map[string]any) { delete(b, "av") }, 400, "bad_request"},
		{"unknown field", func(b map[string]any) { b["eci"] = "05" }, 400, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := map[string]any{}
			for k, v := range body {
				b[k] = v
			}
			tt.edit(b)
			rec := h.do("POST", AVVerifyPath, avToken, b)
			if tt.status != http.StatusOK {
				expectError(t, rec, tt.status, tt.want)
				return
			}
			got := decodeBody[avVerifyResponse](t, rec)
			if rec.Code != http.StatusOK || got != (avVerifyResponse{Reason: tt.want}) {
				t.Errorf("%d %+v; want 200 not valid, %s", rec.Code, got, tt.want)
			}
		})
	}

	// 90 days on, the same value is too old.
	h.clock.Add(91 * 24 * time.Hour)
	if got := decodeBody[avVerifyResponse](t, h.do("POST", AVVerifyPath, avToken, body)); got != (avVerifyResponse{Reason: "too_old"}) {
		t.Errorf("after 91 days: %+v", got)
	}
}
