package dssim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Remote reads a running simulator (bin/dssim) through its requestor's
// JSON API: what the e2e tests, in another process, see of it.
type Remote struct {
	// URL is the requestor's origin.
	URL  string
	HTTP *http.Client
}

func (r *Remote) client() *http.Client {
	if r.HTTP != nil {
		return r.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}

func (r *Remote) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL+path, nil)
	if err != nil {
		return err
	}
	return r.do(req, into)
}

func (r *Remote) do(req *http.Request, into any) error {
	resp, err := r.client().Do(req)
	if err != nil {
		return fmt.Errorf("dssim: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("dssim: %s: %w", req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("dssim: %s: %s: %s", req.URL.Path, resp.Status, bytes.TrimSpace(b))
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("dssim: %s: %w", req.URL.Path, err)
	}
	return nil
}

// Transaction is the requestor's record of one purchase.
func (r *Remote) Transaction(ctx context.Context, threeDSServerTransID string) (Transaction, error) {
	var tx Transaction
	err := r.get(ctx, "/api/tx/"+url.PathEscape(threeDSServerTransID), &tx)
	return tx, err
}

// RReqs is every RReq that reached the DS for acsTransID (all of them
// with ""), refused ones included, oldest first.
func (r *Remote) RReqs(ctx context.Context, acsTransID string) ([]Received, error) {
	var out []Received
	path := "/api/rreqs"
	if acsTransID != "" {
		path += "?acsTransID=" + url.QueryEscape(acsTransID)
	}
	err := r.get(ctx, path, &out)
	return out, err
}

// SetMode switches the DS's RReq door (up, down, 500).
func (r *Remote) SetMode(ctx context.Context, m Mode) error {
	body, _ := json.Marshal(map[string]string{"mode": m.String()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL+"/api/ds-mode", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	var out map[string]string
	return r.do(req, &out)
}

// Taken is the RReqs among rs the DS took (answered with an RRes).
func Taken(rs []Received) []Received {
	var out []Received
	for _, x := range rs {
		if x.RRes != nil {
			out = append(out, x)
		}
	}
	return out
}
