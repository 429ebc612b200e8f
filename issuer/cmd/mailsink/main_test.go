package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/issuer/sms"
)

// start runs the sink on free ports with args and returns its inbox URL.
func start(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	args = append([]string{"-smtp", "127.0.0.1:0", "-http", "127.0.0.1:0"}, args...)
	go func() {
		done <- run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), args, func(_, h net.Addr) { addrs <- h })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	select {
	case a := <-addrs:
		return "http://" + a.String()
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("sink not ready")
	}
	return ""
}

func stored(t *testing.T, inbox string) []map[string]any {
	t.Helper()
	resp, err := http.Get(inbox + "/api/sms")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// With no flags the sink takes SMS with the documented dev credentials.
func TestDefaultSMSCredentials(t *testing.T) {
	inbox := start(t)
	ctx := context.Background()
	m := sms.Message{To: "+819012345678", Body: "code 123456", ID: "1"}
	if _, err := (&sms.Twilio{BaseURL: inbox + "/twilio", AccountSID: "AC00000000000000000000000000000000",
		AuthToken: "dev-twilio-token", From: "+15005550006"}).Send(ctx, m); err != nil {
		t.Errorf("twilio: %v", err)
	}
	if _, err := (&sms.Webhook{URL: inbox + "/sms/webhook", Secret: []byte("dev-sms-webhook-secret")}).Send(ctx, m); err != nil {
		t.Errorf("webhook: %v", err)
	}
	if got := stored(t, inbox); len(got) != 2 {
		t.Errorf("%d stored, want 2", len(got))
	}
}

func TestSMSFlags(t *testing.T) {
	inbox := start(t, "-twilio-sid", "AC1", "-twilio-token", "tok", "-sms-webhook-secret", "sec")
	ctx := context.Background()
	m := sms.Message{To: "+819012345678", Body: "code 123456", ID: "1"}
	tw := &sms.Twilio{BaseURL: inbox + "/twilio", AccountSID: "AC1", AuthToken: "tok", From: "+15005550006"}
	if _, err := tw.Send(ctx, m); err != nil {
		t.Errorf("twilio with flag credentials: %v", err)
	}
	tw.AuthToken = "dev-twilio-token"
	if _, err := tw.Send(ctx, m); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("twilio with the default token: %v, want 401", err)
	}
	if _, err := (&sms.Webhook{URL: inbox + "/sms/webhook", Secret: []byte("sec")}).Send(ctx, m); err != nil {
		t.Errorf("webhook with flag secret: %v", err)
	}
	if _, err := (&sms.Webhook{URL: inbox + "/sms/webhook", Secret: []byte("dev-sms-webhook-secret")}).Send(ctx, m); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("webhook with the default secret: %v, want 401", err)
	}
	if got := stored(t, inbox); len(got) != 2 {
		t.Errorf("%d stored, want 2", len(got))
	}
}

func TestBadArgs(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}} {
		if err := run(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), args, nil); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
	}
}
