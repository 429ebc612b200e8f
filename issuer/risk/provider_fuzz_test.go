package risk

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// FuzzProviderAnswer has a real risk service on loopback answer with any
// status and body. Properties: a score comes back only from a 200 whose
// JSON holds an integer "score" from 0 to 100, and it is that score;
// anything else is an error, so the rules decide alone.
func FuzzProviderAnswer(f *testing.F) {
	f.Add(uint16(200), []byte(`{"score":42}`))
	f.Add(uint16(200), []byte(`{"score":100,"reasons":["x"]}`))
	f.Add(uint16(200), []byte(`{"score":101}`))
	f.Add(uint16(200), []byte(`{"score":-1}`))
	f.Add(uint16(200), []byte(`{"score":50.5}`))
	f.Add(uint16(200), []byte(`{"score":null}`))
	f.Add(uint16(200), []byte(`{}`))
	f.Add(uint16(200), []byte(`{"score":1} trailing`))
	f.Add(uint16(503), []byte(`{"score":0}`))
	var mu sync.Mutex
	var status int
	var answer []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write(answer)
	}))
	f.Cleanup(srv.Close)
	p := &Provider{URL: srv.URL, Timeout: 5 * time.Second, Client: srv.Client()}
	f.Fuzz(func(t *testing.T, st uint16, body []byte) {
		s := int(st) % 600
		if s < 200 {
			s += 200
		}
		mu.Lock()
		status, answer = s, body
		mu.Unlock()
		score, err := p.Score(context.Background(), ProviderRequest{Card: "c", Amount: 1250, Currency: "JPY"})
		if err != nil {
			return
		}
		var want struct {
			Score *int `json:"score"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		if s != http.StatusOK || dec.Decode(&want) != nil || want.Score == nil || *want.Score != score || score < 0 || score > 100 {
			t.Fatalf("answer %d %q gave the score %d", s, body, score)
		}
	})
}

// FuzzParseConfig reads risk configuration files. Properties: a file that
// parses passes its checks, and written back as JSON it parses again to
// the same configuration.
func FuzzParseConfig(f *testing.F) {
	f.Add(defaultConfig)
	f.Add([]byte(`{"thresholds":{"frictionless_max":0,"deny_min":0},"rules":{}}`))
	f.Add([]byte(`{"rules":{"nope":{"weight":1}}}`))
	f.Add([]byte(`{"rules":{"velocity_ip":{"weight":1,"window":"-1s"}},"provider":{"timeout":"1h"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal a parsed configuration: %v", err)
		}
		c2, err := ParseConfig(out)
		if err != nil {
			t.Fatalf("configuration written back does not parse: %v\n%s", err, out)
		}
		out2, err := json.Marshal(c2)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("configuration changed when written back:\n%s\n%s", out, out2)
		}
	})
}
