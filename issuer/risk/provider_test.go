package risk

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestProviderAnswers(t *testing.T) {
	for _, tt := range []struct {
		name    string
		handler http.HandlerFunc
		want    int
		wantErr bool
	}{
		{"score", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"score": 73}`)) }, 73, false},
		{"no score", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }, 0, true},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`<html>`)) }, 0, true},
		{"negative", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"score": -1}`)) }, 0, true},
		{"error status", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) }, 0, true},
		// A redirect is not followed: the payload goes only where configured.
		{"redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "http://example.invalid/", 307) }, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			p := NewProvider(ProviderConfig{URL: srv.URL, Timeout: Duration(time.Second), Weight: 40})
			got, err := p.Score(context.Background(), ProviderRequest{Card: "c", Amount: 1, Currency: "JPY"})
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("Score = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if NewProvider(ProviderConfig{}) != nil {
		t.Error("a provider without a URL was made")
	}
}
