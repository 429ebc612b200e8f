package api

import (
	"math"
	"net/http"
	"testing"
)

// BenchmarkCreateAndStart is one authentication's issuer work up to the
// code mail: POST /v1/authentications (key lookup, PAN HMAC, insert,
// session token) then the edge's start (token verify, gen bump, code, seal
// with X-Wing, challenge token, SMTP to the in-process devmail sink, delivery
// record). Real SQLite in a temp dir, so the fsyncs of the four commits count.
func BenchmarkCreateAndStart(b *testing.B) {
	h := newHarness(b)
	// Every iteration mails the same demo address: lift the daily cap,
	// which would otherwise refuse the 11th send ("limited").
	h.reconfigure(func(c *Config) { c.SendCap = math.MaxInt32 })
	body := validCreate()
	b.ReportAllocs()
	for b.Loop() {
		rec := h.do("POST", "/v1/authentications", testAPIKey, body)
		if rec.Code != http.StatusCreated {
			b.Fatalf("create: %d %s", rec.Code, rec.Body.String())
		}
		id := decodeBody[createResponse](b, rec).ID
		rec = h.do("POST", "/internal/v1/authentications/"+id+"/start", h.edgeToken(id), map[string]any{})
		if rec.Code != http.StatusOK {
			b.Fatalf("start: %d %s", rec.Code, rec.Body.String())
		}
		if res := decodeBody[startResponse](b, rec); res.Delivery != "sent" {
			b.Fatalf("delivery %q", res.Delivery)
		}
	}
}
