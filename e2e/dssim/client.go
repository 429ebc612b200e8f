package dssim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/honnin/honnin/edge/emv3ds"
)

// DSReferenceNumber is the simulator's EMVCo reference number, which a DS
// adds to every AReq it forwards and the ACS echoes.
const DSReferenceNumber = "HONNIN-DEV-DS-0001"

// maxReply bounds an ARes or Erro read from the ACS.
const maxReply = 1 << 20

// Client is the DS's side of the AReq: it forwards a 3DS Server's AReq to
// the ACS over mutual TLS, as the scheme's Directory Server does.
type Client struct {
	// ACSURL is the ACS's AReq URL, https://…/3ds/v2/areq.
	ACSURL string
	// DSURL is where the ACS may send its RReq (the AReq's dsURL).
	DSURL string
	// HTTP carries the request; its transport holds the DS's client
	// certificate and trusts the DS CA only (PKI.ClientTLS).
	HTTP *http.Client
}

// NewClient is a Client for acsURL with p's certificates.
func NewClient(p *PKI, acsURL, dsURL string) *Client {
	return &Client{ACSURL: acsURL, DSURL: dsURL, HTTP: &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: p.ClientTLS(), ForceAttemptHTTP2: true},
	}}
}

// Reply is the ACS's answer to an AReq: the body as it came, and it read
// as an ARes or as an Erro (by its messageType; neither when it is
// something else, which a test reports with Raw).
type Reply struct {
	Status      int
	ContentType string
	Raw         []byte
	ARes        *emv3ds.ARes
	Erro        *emv3ds.Erro
}

// SendAReq forwards areq to the ACS, first adding what a DS adds to every
// AReq it passes on: dsTransID (fresh), dsReferenceNumber and dsURL, each
// unless areq already has the key (a test may send a DS's mistakes). It
// returns the AReq as sent.
func (c *Client) SendAReq(ctx context.Context, areq map[string]any) (map[string]any, Reply, error) {
	sent := make(map[string]any, len(areq)+3)
	for k, v := range areq {
		sent[k] = v
	}
	for k, v := range map[string]any{"dsTransID": NewUUID(), "dsReferenceNumber": DSReferenceNumber, "dsURL": c.DSURL} {
		if _, ok := sent[k]; !ok {
			sent[k] = v
		}
	}
	body, err := json.Marshal(sent)
	if err != nil {
		return sent, Reply{}, fmt.Errorf("dssim: AReq: %w", err)
	}
	r, err := c.SendRaw(ctx, body)
	return sent, r, err
}

// SendRaw posts body to the ACS as it is: a duplicate key or a malformed
// message reaches the ACS as a faulty DS would send it.
func (c *Client) SendRaw(ctx context.Context, body []byte) (Reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.ACSURL, bytes.NewReader(body))
	if err != nil {
		return Reply{}, fmt.Errorf("dssim: AReq: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Reply{}, fmt.Errorf("dssim: AReq to %s: %w", c.ACSURL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return Reply{}, fmt.Errorf("dssim: ARes: %w", err)
	}
	r := Reply{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Raw: raw}
	r.ARes, r.Erro = readReply(raw)
	return r, nil
}

// readReply reads an ARes or an Erro by its messageType.
func readReply(raw []byte) (*emv3ds.ARes, *emv3ds.Erro) {
	var head struct {
		MessageType string `json:"messageType"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return nil, nil
	}
	switch head.MessageType {
	case emv3ds.TypeARes:
		var a emv3ds.ARes
		if json.Unmarshal(raw, &a) == nil {
			return &a, nil
		}
	case emv3ds.TypeErro:
		var e emv3ds.Erro
		if json.Unmarshal(raw, &e) == nil {
			return nil, &e
		}
	}
	return nil, nil
}

// NewUUID is a random (version 4) UUID, the form of every transaction id.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
