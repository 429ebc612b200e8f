package threeds

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/contract"
	"github.com/honnin/honnin/edge/emv3ds"
	"github.com/honnin/honnin/issuer/acs"
	"github.com/honnin/honnin/issuer/store"
)

// Results tells the DS the outcome of every challenge with an RReq (the
// EMV 3DS note §6), and runs the EMV timers. Its loop is the only sender:
// the RReq is built from the authentication once it is final, kept in the
// store, and sent until the DS answers it (acs.Service.DeliverResults).
type Results struct {
	ACS *acs.Service
	// URL is the DS's results endpoint (https://…), where RReqs go.
	URL string
	// HTTP makes the calls, with the ACS's client certificate and the DS's
	// CA (ClientTLS); nil means http.DefaultClient (tests on loopback).
	HTTP *http.Client
	Log  *slog.Logger
	// Every is how often the loop runs; 0 means a second.
	Every time.Duration
}

// Run delivers results and runs the timers until ctx ends.
func (r *Results) Run(ctx context.Context) {
	every := r.Every
	if every == 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once runs the timers and one round of deliveries.
func (r *Results) Once(ctx context.Context) {
	log := r.Log
	if log == nil {
		log = slog.Default()
	}
	if n, err := r.ACS.ExpireEMV(ctx); err != nil {
		log.LogAttrs(ctx, slog.LevelError, "threeds: EMV timers failed", slog.Any("err", err))
	} else if n > 0 {
		log.LogAttrs(ctx, slog.LevelInfo, "threeds: EMV challenges timed out", slog.Int("n", n))
	}
	if _, err := r.ACS.DeliverResults(ctx, r); err != nil {
		log.LogAttrs(ctx, slog.LevelError, "threeds: RReq delivery failed", slog.Any("err", err))
	}
}

// RReq writes the RReq of a challenge's outcome.
func (r *Results) RReq(o store.EMVOutcome) (string, error) {
	a := o.Authentication
	q := emv3ds.RReq{MessageType: emv3ds.TypeRReq, MessageVersion: o.MessageVersion,
		ThreeDSServerTransID: o.ServerTransID, DSTransID: o.DSTransID, ACSTransID: o.ACSTransID,
		MessageCategory: o.MessageCategory, TransStatus: emv3ds.StatusN,
		InteractionCounter: interactionCounter(a.FailuresSeen, a.Status),
		ChallengeCancel:    challengeCancel(a.Reason, o.ChallengeCancel)}
	switch a.Status {
	case contract.StatusAuthenticated, contract.StatusAttempted:
		av, err := resultAV(a.ResultToken)
		if err != nil {
			return "", fmt.Errorf("threeds: RReq of %s: %w", o.ACSTransID, err)
		}
		q.TransStatus, q.AuthenticationValue, q.ECI = a.Status, av, eci(a.Status)
	case contract.StatusUnavailable, contract.StatusRejected:
		q.TransStatus = a.Status
	}
	if q.TransStatus != emv3ds.StatusY && q.TransStatus != emv3ds.StatusA {
		q.TransStatusReason, q.ECI = statusReason(a.Status, a.Reason), eci(a.Status)
	}
	if q.TransStatus == emv3ds.StatusY || q.TransStatus == emv3ds.StatusN {
		q.AuthenticationType, q.AuthenticationMethod = authentication(o.MessageVersion, a.Method)
	}
	b, err := json.Marshal(q)
	return string(b), err
}

// resultAV reads the authentication value from the result token the edge
// reported (and the issuer verified when it came): the value the edge
// opened from the challenge's seal, which the cardholder's page got too.
func resultAV(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("no result token with the authentication value")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("result token: %w", err)
	}
	var c struct {
		AV string `json:"av"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.AV == "" {
		return "", errors.New("result token has no authentication value")
	}
	return c.AV, nil
}

// SendRReq posts t's RReq to the DS and returns the RRes's resultsStatus.
// An Erro, an HTTP error or an answer that is not an RRes for this
// transaction is an error: the RReq is sent again.
func (r *Results) SendRReq(ctx context.Context, t store.EMVTransaction) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader([]byte(t.RReq)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	c := r.HTTP
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("DS answered HTTP %d", resp.StatusCode)
	}
	rs, err := emv3ds.ParseRRes(body)
	if err != nil {
		return "", fmt.Errorf("DS answer: %w", err)
	}
	if rs.ACSTransID != t.ACSTransID || rs.ThreeDSServerTransID != t.ServerTransID {
		return "", errors.New("DS answered an RRes of another transaction")
	}
	return rs.ResultsStatus, nil
}
