package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/health"
	"github.com/honnin/honnin/issuer/devmail"
)

// TestServeAdmin: the admin listener says the issuer is alive and ready
// while the database and the mail server answer, not ready once the mail
// server is gone (and still alive), and serves profiles only with -pprof.
func TestServeAdmin(t *testing.T) {
	s := prepare(t)
	sink, smtpAddr := mailSink(t)

	for _, withPprof := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb syncBuffer
		done := make(chan int, 1)
		args := []string{"serve", "-addr", "127.0.0.1:0", "-admin-addr", "127.0.0.1:0", "-db", s.db, "-keys", s.keys,
			"-pan-key-file", s.panKey, "-smtp", smtpAddr}
		if withPprof {
			args = append(args, "-pprof")
		}
		go func() { done <- run(ctx, args, &out, &errb) }()
		waitListening(t, &out, &errb, done)
		var admin string
		re := regexp.MustCompile(`admin \([^)]*\) on (http://\S+)`)
		waitFor := time.Now().Add(10 * time.Second)
		for admin == "" && time.Now().Before(waitFor) {
			if m := re.FindStringSubmatch(out.String()); m != nil {
				admin = m[1]
			}
			time.Sleep(10 * time.Millisecond)
		}
		if admin == "" {
			t.Fatalf("no admin listener announced: %s", out.String())
		}
		get := func(path string) (int, health.Report) {
			t.Helper()
			resp, err := http.Get(admin + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var rep health.Report
			_ = json.NewDecoder(resp.Body).Decode(&rep)
			return resp.StatusCode, rep
		}
		if code, _ := get("/healthz"); code != 200 {
			t.Errorf("healthz: %d", code)
		}
		if code, rep := get("/readyz"); code != 200 || rep.Checks["database"] != "ok" || rep.Checks["keys"] != "ok" || rep.Checks["smtp"] != "ok" {
			t.Errorf("readyz: %d %+v", code, rep)
		}
		if code, _ := get("/debug/pprof/"); (code == 200) != withPprof {
			t.Errorf("pprof with -pprof=%v: %d", withPprof, code)
		}
		if withPprof {
			// The mail server goes away: not ready, still alive.
			sink.Close()
			if code, rep := get("/readyz"); code != 503 || rep.Status != "not ready" || rep.Checks["smtp"] == "ok" || rep.Checks["database"] != "ok" || rep.Checks["keys"] != "ok" {
				t.Errorf("readyz without the mail server: %d %+v", code, rep)
			}
			if code, _ := get("/healthz"); code != 200 {
				t.Errorf("healthz without the mail server: %d", code)
			}
		}
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exited %d: %s", code, errb.String())
		}
	}
	code, _, errOut := cli(t, "serve", "-pprof", "-db", s.db, "-keys", s.keys, "-pan-key-file", s.panKey)
	wantRun(t, code, "", errOut, exitUsage, "-pprof needs -admin-addr")
}

// mailSink starts a dev SMTP server on loopback for serve to greet and
// send to; it stops with the test (or earlier, by Close).
func mailSink(t *testing.T) (*devmail.SMTPServer, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := devmail.NewSMTPServer(devmail.NewStore(0), devmail.SMTPConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	go sink.Serve(ln)
	t.Cleanup(func() { sink.Close() })
	return sink, ln.Addr().String()
}
