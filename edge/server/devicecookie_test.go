//go:build !js

package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
)

// wantSetCookie is the device cookie's Set-Cookie, every attribute.
const wantSetCookie = "honnin_device=d1.from-issuer; Path=/; Max-Age=34560000; Secure; HttpOnly; SameSite=None; Partitioned"

// post sends a JSON body with a Cookie header to the assembled edge.
func (e *emvEnv) postCookie(path string, body any, cookie string) *httptest.ResponseRecorder {
	e.t.Helper()
	b, _ := json.Marshal(body)
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	if cookie != "" {
		r.Header.Set("Cookie", contract.DeviceCookieName+"="+cookie)
	}
	w := httptest.NewRecorder()
	e.edge.ServeHTTP(w, r)
	return w
}

// TestDeviceCookie: the edge as both mains assemble it carries the device
// cookie on its three roads: a start and a prepare pass the browser's on
// to the issuer and set the issuer's; the 3DS Method's device post passes
// it on (the issuer sets none there). A cookie too long to pass is
// dropped and the request goes on.
func TestDeviceCookie(t *testing.T) {
	e := newEMVEnv(t)
	e.issuer.cookie = "d1.from-issuer"
	long := strings.Repeat("c", 129)
	dev := contract.DeviceSignals{UA: "Mozilla/5.0 test"}

	for _, tt := range []struct{ sent, passed string }{{"d1.browser", "d1.browser"}, {long, ""}, {"", ""}} {
		st := e.open(e.txn("DC-start-"+tt.sent[:min(len(tt.sent), 12)], ""), "")
		w := e.postCookie(contract.ClientStartPath, contract.ClientStartRequest{SessionToken: st, Device: &dev}, tt.sent)
		if w.Code != http.StatusOK || w.Header().Get("Set-Cookie") != wantSetCookie {
			t.Errorf("start with cookie %.12q: %d, Set-Cookie %q", tt.sent, w.Code, w.Header().Values("Set-Cookie"))
		}
		w = e.postCookie(contract.ClientPreparePath, contract.ClientPrepareRequest{SessionToken: st, Device: &dev}, tt.sent)
		if w.Code != http.StatusNoContent || w.Body.Len() != 0 || w.Header().Get("Set-Cookie") != wantSetCookie {
			t.Errorf("prepare with cookie %.12q: %d %q, Set-Cookie %q", tt.sent, w.Code, w.Body, w.Header().Values("Set-Cookie"))
		}
		e.issuer.mu.Lock()
		start, prep := e.issuer.starts[len(e.issuer.starts)-1], e.issuer.prepares[len(e.issuer.prepares)-1]
		e.issuer.mu.Unlock()
		if start.Edge == nil || start.Edge.DeviceCookie != tt.passed || prep.Edge == nil || prep.Edge.DeviceCookie != tt.passed {
			t.Errorf("cookie %.12q: issuer got start %+v, prepare %+v; want cookie %q", tt.sent, start.Edge, prep.Edge, tt.passed)
		}
	}

	e.issuer.cookie = ""
	st := e.open(e.txn("DC-none", ""), "")
	if w := e.postCookie(contract.ClientPreparePath, contract.ClientPrepareRequest{SessionToken: st, Device: &dev}, ""); w.Code != http.StatusNoContent ||
		len(w.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("prepare, issuer sets none: %d, Set-Cookie %q", w.Code, w.Header().Values("Set-Cookie"))
	}

	for i, tt := range []struct{ sent, passed string }{{"d1.browser", "d1.browser"}, {long, ""}} {
		sti := tid("sti", "DC-method-"+string(rune('a'+i)))
		data, err := emv3ds.Encode(emv3ds.MethodData{ThreeDSServerTransID: sti, ThreeDSMethodNotificationURL: methodNotify})
		if err != nil {
			t.Fatal(err)
		}
		page := e.form("/3ds/v2/method", url.Values{"threeDSMethodData": {data}})
		m := regexp.MustCompile(`<div id="method" data-token="([^"]+)" hidden>`).FindStringSubmatch(page.Body.String())
		if m == nil {
			t.Fatalf("no method token in %s", page.Body)
		}
		w := e.postCookie("/3ds/v2/method/device", contract.EMVMethodDeviceRequest{MethodToken: m[1], Device: &dev}, tt.sent)
		if w.Code != http.StatusNoContent || len(w.Header().Values("Set-Cookie")) != 0 {
			t.Errorf("method device: %d %s, Set-Cookie %q", w.Code, w.Body, w.Header().Values("Set-Cookie"))
		}
		e.issuer.mu.Lock()
		got := e.issuer.methods[sti]
		e.issuer.mu.Unlock()
		if got.Edge == nil || got.Edge.DeviceCookie != tt.passed {
			t.Errorf("method with cookie %.12q: issuer got %+v, want cookie %q", tt.sent, got.Edge, tt.passed)
		}
	}
}
