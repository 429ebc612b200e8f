package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestServeMetrics: through a real serve -admin-addr, a create, a start
// (its risk decision and its code mail) and a GET of the authentication
// show up in GET /metrics on the admin listener, the GET under its route
// pattern and never under its id; the public listener has no /metrics.
func TestServeMetrics(t *testing.T) {
	s := prepare(t)
	_, smtpAddr := mailSink(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	before := time.Now().Add(-time.Second)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-admin-addr", "127.0.0.1:0", "-db", s.db, "-keys", s.keys,
			"-pan-key-file", s.panKey, "-smtp", smtpAddr, "-edge-url", "http://127.0.0.1:8787"}, &out, &errb)
	}()
	base := waitListening(t, &out, &errb, done)
	m := regexp.MustCompile(`admin \(healthz, readyz, metrics\) on (http://\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no admin listener with metrics announced: %s", out.String())
	}
	admin := m[1]

	body := `{"card_number":"3540 1234 5678 9016","amount":1250,"currency":"JPY","merchant_name":"Demo Shop","merchant_origin":"http://localhost:8080","order_ref":"o-1"}`
	var created struct{ ID, Status string }
	if code := postJSON(t, base+"/v1/authentications", "demo-key", body, &created); code != 201 || created.Status != "C" {
		t.Fatalf("create: %d %+v", code, created)
	}
	s.startAsEdge(t, base, created.ID)
	get := func(url string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer demo-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(base + "/v1/authentications/" + created.ID); code != 200 {
		t.Fatalf("GET the authentication: %d", code)
	}
	if code, _ := get(base + "/metrics"); code != 404 {
		t.Errorf("GET /metrics on the public listener: %d, want 404", code)
	}

	// A request is counted as its handler returns, which can be a moment
	// after its client has the answer: wait for the last one, then read.
	const lastGet = `honnin_issuer_http_requests_total{route="GET /v1/authentications/{id}",code="200"} 1`
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; {
		code, b := get(admin + "/metrics")
		if code != 200 {
			t.Fatalf("GET /metrics on the admin listener: %d %s", code, b)
		}
		if text = b; strings.Contains(text, lastGet+"\n") || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, line := range []string{
		lastGet,
		`honnin_issuer_http_requests_total{route="POST /v1/authentications",code="201"} 1`,
		`honnin_issuer_http_requests_total{route="POST /internal/v1/authentications/{id}/start",code="200"} 1`,
		`honnin_issuer_http_requests_total{route="unmatched",code="404"} 1`,
		`honnin_issuer_http_request_duration_seconds_count{route="POST /v1/authentications",class="2xx"} 1`,
		`honnin_issuer_risk_decisions_total{outcome="challenge"} 1`,
		`honnin_issuer_code_sends_total{channel="email",result="sent"} 1`,
		`honnin_issuer_outbox_pending 0`,
		`honnin_issuer_outbox_oldest_pending_age_seconds 0`,
		`honnin_issuer_emv_rreq_pending 0`,
		`honnin_issuer_scrape_errors_total 0`,
		`# TYPE honnin_issuer_http_request_duration_seconds histogram`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("no line %s", line)
		}
	}
	if strings.Contains(text, created.ID) {
		t.Error("an authentication id is in the metrics")
	}
	st := regexp.MustCompile(`(?m)^honnin_issuer_process_start_time_seconds (\S+)$`).FindStringSubmatch(text)
	if st == nil {
		t.Fatal("no process start time")
	}
	if v, err := strconv.ParseFloat(st[1], 64); err != nil || v < float64(before.Unix()) || v > float64(time.Now().Unix()+1) {
		t.Errorf("process start time %s, want about %d", st[1], before.Unix())
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", text)
	}

	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("serve exited %d: %s", code, errb.String())
	}
}
