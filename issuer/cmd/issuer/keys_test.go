package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
)

// TestKeysRotate runs keys rotate against a key folder and a running
// issuer started on it: the JWKS serves the new keys at once, the tokens it
// makes are still signed with the old key (the new one waits for its
// time), and the edge, loading the same folder, verifies them.
func TestKeysRotate(t *testing.T) {
	s := prepare(t)
	before, err := challenge.LoadIssuerKeys(s.keys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  string // stdout on success, stderr otherwise
	}{
		{"prune with nothing to drop", []string{"-prune"}, exitOK, "no keys to drop"},
		{"delay under the JWKS cache", []string{"-publish-delay", "1m"}, exitUsage, "at least 5m0s"},
		{"bad kem", []string{"-kem", "rsa"}, exitUsage, "-kem"},
		{"missing folder", []string{"-dir", s.dir + "/nope"}, exitFail, "keys init"},
		{"rotate", nil, exitOK, "published now, used from"},
		{"rotate again", nil, exitFail, "a rotation is under way"},
		{"prune during the rotation", []string{"-prune"}, exitOK, "no keys to drop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"keys", "rotate", "-dir", s.keys}, tt.args...)
			code, out, errOut := cli(t, args...)
			wantRun(t, code, out, errOut, tt.code, tt.out)
		})
	}

	after, err := challenge.LoadIssuerKeys(s.keys)
	if err != nil {
		t.Fatal(err)
	}
	rot := after.Sign.Rotation()
	if len(rot) != 2 || rot[0].KID != before.Sign.KID {
		t.Fatalf("issuer rotation %+v", rot)
	}
	next := rot[1]
	if d := time.Until(next.NotBefore); d < 59*time.Minute || d > time.Hour {
		t.Errorf("new key in use in %v, want the default hour", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-db", s.db, "-keys", s.keys,
			"-pan-key-file", s.panKey, "-smtp", "127.0.0.1:1"}, &out, &errb)
	}()
	base := waitListening(t, &out, &errb, done)

	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(doc), next.KID) || !strings.Contains(string(doc), before.Sign.KID) {
		t.Errorf("JWKS lacks the old or the new key: %s", doc)
	}

	body := `{"card_number":"3540123456789016","amount":1250,"currency":"JPY","merchant_name":"Demo Shop","merchant_origin":"http://localhost:8080"}`
	var created struct {
		SessionToken string `json:"session_token"`
	}
	postJSON(t, base+"/v1/authentications", "demo-key", body, &created)
	hb, _ := base64.RawURLEncoding.DecodeString(strings.Split(created.SessionToken, ".")[0])
	var header struct{ KID string }
	json.Unmarshal(hb, &header)
	if header.KID != before.Sign.KID {
		t.Errorf("session token signed with %q, want the old key %q until the new one's time", header.KID, before.Sign.KID)
	}
	ek, err := challenge.LoadEdgeKeys(s.keys)
	if err != nil {
		t.Fatal(err)
	}
	v := challenge.Verifier{Keys: ek.Issuer, Issuer: challenge.IssuerName, Audience: challenge.EdgeName}
	if err := v.Verify(created.SessionToken, challenge.TypSession, &challenge.SessionClaims{}); err != nil {
		t.Errorf("edge after the rotation verifies the session token: %v", err)
	}
	cancel()
	<-done
}
