package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/api"
	"github.com/honnin/honnin/edge/contract"
)

// setCookie is the device cookie's Set-Cookie for value: every attribute,
// as the design fixes them.
func setCookie(value string) string {
	return "honnin_device=" + value + "; Path=/; Max-Age=34560000; Secure; HttpOnly; SameSite=None; Partitioned"
}

// raw sends req to the edge and returns the response as sent, for the
// answers that are not JSON (204).
func (e *env) raw(req *http.Request) (*http.Response, string) {
	e.t.Helper()
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	b, err := io.ReadAll(w.Result().Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return w.Result(), string(b)
}

// withCookie adds a Cookie header with the device cookie (and another
// site's cookie beside it, which the edge must leave alone).
func withCookie(r *http.Request, value string) *http.Request {
	r.Header.Set("Cookie", "other=1; "+contract.DeviceCookieName+"="+value)
	return r
}

// lastStart is the newest start the issuer got.
func (is *issuer) lastStart(t *testing.T) contract.StartRequest {
	t.Helper()
	is.mu.Lock()
	defer is.mu.Unlock()
	if len(is.starts) == 0 {
		t.Fatal("the issuer got no start")
	}
	return is.starts[len(is.starts)-1]
}

// TestStartDeviceCookie: the edge passes the browser's device cookie to the
// issuer unread (one too long to pass is dropped, and the start goes on),
// and sets the one the issuer answers, with every attribute, on each kind
// of start answer; none when the issuer sends none, or sends what no
// cookie can hold.
func TestStartDeviceCookie(t *testing.T) {
	long := "d1." + strings.Repeat("A", 125) // 128 bytes: the most that passes
	tests := []struct {
		name     string
		sent     string // the request's cookie; "" none
		passed   string // what the issuer gets
		answer   string // the issuer's device_cookie
		decision *contract.StartResponse
		want     string // Set-Cookie; "" none
	}{
		{name: "no cookie, none set", sent: "", passed: "", answer: "", want: ""},
		{name: "cookie passed, new one set", sent: "d1.old-value", passed: "d1.old-value", answer: "d1.new_Value-9", want: setCookie("d1.new_Value-9")},
		{name: "cookie passed, none set", sent: "d1.kept", passed: "d1.kept", answer: "", want: ""},
		{name: "longest cookie passed", sent: long, passed: long, answer: "", want: ""},
		{name: "oversize cookie dropped", sent: long + "A", passed: "", answer: "d1.fresh", want: setCookie("d1.fresh")},
		{name: "issuer cookie not a cookie value", sent: "", passed: "", answer: "d1.a;Domain=evil.example", want: ""},
		{name: "issuer cookie too long", sent: "", passed: "", answer: long + "A", want: ""},
		{name: "frictionless sets it too", sent: "d1.old", passed: "d1.old",
			decision: &contract.StartResponse{Decision: "frictionless", Status: "Y", AV: "av", DeviceCookie: "d1.f"}, want: setCookie("d1.f")},
		{name: "deny sets it too", sent: "",
			decision: &contract.StartResponse{Decision: "deny", Status: "R", Reason: "suspected_fraud", DeviceCookie: "d1.r"}, want: setCookie("d1.r")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.issuer.cookie = tt.answer
			e.issuer.decision = tt.decision
			req := jsonRequest("/v1/start", map[string]any{"session_token": e.m.session(t, "auth-dc"), "device": map[string]any{"ua": "test"}})
			if tt.sent != "" {
				withCookie(req, tt.sent)
			}
			rep := e.do(req)
			want(t, "start", rep, http.StatusOK, "")
			if got := e.issuer.lastStart(t).Edge.DeviceCookie; got != tt.passed {
				t.Errorf("issuer got device cookie %q, want %q", got, tt.passed)
			}
			got := rep.header.Values("Set-Cookie")
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("Set-Cookie %q, want none", got)
			case tt.want != "" && (len(got) != 1 || got[0] != tt.want):
				t.Errorf("Set-Cookie %q, want %q", got, tt.want)
			}
			if tt.want != "" {
				c, err := http.ParseSetCookie(got[0])
				if err != nil || c.Name != contract.DeviceCookieName || c.Path != "/" || c.MaxAge != 400*24*60*60 ||
					!c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteNoneMode || !c.Partitioned {
					t.Errorf("Set-Cookie reads as %+v, %v", c, err)
				}
			}
		})
	}
}

// TestStartDeviceCookieOnResultAgain: a start after the end answers the
// kept result without asking the issuer, so no cookie is set.
func TestStartDeviceCookieOnResultAgain(t *testing.T) {
	e := newEnv(t)
	e.issuer.cookie = "d1.x"
	st := e.start("auth-dcr")
	want(t, "cancel", e.post("/v1/cancel", map[string]string{"challenge_token": st.ChallengeToken}), http.StatusOK, "")
	rep := e.do(withCookie(jsonRequest("/v1/start", map[string]string{"session_token": e.m.session(t, "auth-dcr")}), "d1.x"))
	want(t, "start again", rep, http.StatusOK, "")
	if got := rep.header.Values("Set-Cookie"); rep.State != "result" || len(got) != 0 {
		t.Errorf("start after the result: state %q, Set-Cookie %q", rep.State, got)
	}
}

// prepare posts a prepare for authID with a device, and the cookie when
// not "".
func (e *env) prepare(authID, cookie string) (*http.Response, string) {
	e.t.Helper()
	req := jsonRequest("/v1/prepare", map[string]any{"session_token": e.m.session(e.t, authID),
		"device": map[string]any{"ua": "Mozilla/5.0", "languages": []string{"ja-JP"}, "device_id": "d-9"}})
	req.RemoteAddr = "198.51.100.8:4444"
	if cookie != "" {
		withCookie(req, cookie)
	}
	return e.raw(req)
}

func (is *issuer) preparesMade() []contract.PrepareRequest {
	is.mu.Lock()
	defer is.mu.Unlock()
	return append([]contract.PrepareRequest(nil), is.prepares...)
}

// TestPrepare: a prepare with a valid session goes to the issuer with the
// device, what the edge saw and the cookie; the answer is 204 without a
// body, with the issuer's cookie set (none when it sends none).
func TestPrepare(t *testing.T) {
	for _, tt := range []struct {
		name, sent, answer, want string
	}{
		{"first visit", "", "d1.minted", setCookie("d1.minted")},
		{"known cookie, renewed", "d1.old", "d1.old", setCookie("d1.old")},
		{"nothing to set", "d1.old", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.issuer.cookie = tt.answer
			res, body := e.prepare("auth-pr", tt.sent)
			if res.StatusCode != http.StatusNoContent || body != "" {
				t.Fatalf("prepare: %d %q, want 204 without a body", res.StatusCode, body)
			}
			if got := res.Header.Values("Set-Cookie"); tt.want == "" && len(got) != 0 || tt.want != "" && (len(got) != 1 || got[0] != tt.want) {
				t.Errorf("Set-Cookie %q, want %q", got, tt.want)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			got := e.issuer.preparesMade()
			if len(got) != 1 {
				t.Fatalf("issuer got %d prepares, want 1", len(got))
			}
			p := got[0]
			if p.Device == nil || p.Device.UA != "Mozilla/5.0" || p.Device.DeviceID != "d-9" || len(p.Device.Languages) != 1 {
				t.Errorf("device not passed on: %+v", p.Device)
			}
			if p.Edge == nil || p.Edge.IP != "198.51.100.8" || p.Edge.DeviceCookie != tt.sent {
				t.Errorf("edge signals %+v, want ip 198.51.100.8 and cookie %q", p.Edge, tt.sent)
			}
		})
	}
}

// TestPrepareRefused: a prepare the edge refuses never reaches the issuer
// and sets no cookie: a bad body or device, a bad or expired session
// token, an authentication with its result, a GET.
func TestPrepareRefused(t *testing.T) {
	e := newEnv(t)
	e.issuer.cookie = "d1.never"
	dev := map[string]any{"ua": "x"}
	expired := e.m.session(t, "auth-pe")
	st := e.start("auth-done")
	want(t, "cancel", e.post("/v1/cancel", map[string]string{"challenge_token": st.ChallengeToken}), http.StatusOK, "")
	e.clock.Add(11 * time.Minute)
	finished := e.m.session(t, "auth-done")
	fresh := e.m.session(t, "auth-pf")
	for _, tt := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"no device", map[string]any{"session_token": fresh}, http.StatusBadRequest, "bad_request"},
		{"no session", map[string]any{"device": dev}, http.StatusBadRequest, "bad_request"},
		{"device out of limits", map[string]any{"session_token": fresh, "device": map[string]any{"screen_w": -1}}, http.StatusBadRequest, "bad_request"},
		{"unknown field", map[string]any{"session_token": fresh, "device": dev, "x": 1}, http.StatusBadRequest, "bad_request"},
		{"garbage token", map[string]any{"session_token": "abc.def.ghi", "device": dev}, http.StatusUnauthorized, "invalid_token"},
		{"challenge token as session", map[string]any{"session_token": st.ChallengeToken, "device": dev}, http.StatusUnauthorized, "invalid_token"},
		{"expired", map[string]any{"session_token": expired, "device": dev}, http.StatusGone, "expired"},
		{"finished authentication", map[string]any{"session_token": finished, "device": dev}, http.StatusConflict, "already_used"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep := e.post("/v1/prepare", tt.body)
			want(t, "prepare", rep, tt.status, tt.code)
			if got := rep.header.Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("Set-Cookie %q on a refusal", got)
			}
		})
	}
	get := httptest.NewRequest(http.MethodGet, "/v1/prepare", nil)
	want(t, "GET", e.do(get), http.StatusMethodNotAllowed, "method_not_allowed")
	if got := e.issuer.preparesMade(); len(got) != 0 {
		t.Errorf("the issuer got %d refused prepares", len(got))
	}
}

// TestPrepareIssuerDown: an issuer that cannot be reached is the usual
// issuer_unavailable (the frame ignores it), and no cookie.
func TestPrepareIssuerDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	e := newEnv(t, func(c *api.Config) {
		c.Issuer = issuerClient(t, down.URL, c.Keys.Sign, c.Now)
	})
	rep := e.post("/v1/prepare", map[string]any{"session_token": e.m.session(t, "auth-pd"), "device": map[string]any{}})
	want(t, "prepare", rep, http.StatusBadGateway, "issuer_unavailable")
	if got := rep.header.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("Set-Cookie %q", got)
	}
}
