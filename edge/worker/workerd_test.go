//go:build !js

package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/testenv"
)

// faultWorker is faultworker (a worker that fails on purpose) running in
// workerd through edge/dev.mjs, as the e2e stack runs the edge.
type faultWorker struct {
	url string
	out *syncBuffer // dev.mjs's output: the glue logs instance starts and exits
}

// startFaultWorker builds faultworker with our glue and serves it. It needs
// what `make edge-build` leaves: edge/node_modules (wrangler's miniflare
// and workerd) and edge/build/wasm_exec.js; without them it skips, or fails
// under CI=true.
func startFaultWorker(t *testing.T) *faultWorker {
	t.Helper()
	edge, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	for _, need := range []string{filepath.Join(edge, "node_modules", "miniflare"), filepath.Join(edge, "build", "wasm_exec.js")} {
		if err == nil {
			_, err = os.Stat(need)
		}
	}
	testenv.Need(t, "node and make edge-build", err)

	dir := t.TempDir()
	build := exec.Command("go", "build", "-tags", "workerfault", "-o", filepath.Join(dir, "app.wasm"), "./faultworker")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build faultworker: %v: %s", err, out)
	}
	copyFile(t, filepath.Join(edge, "build", "wasm_exec.js"), filepath.Join(dir, "wasm_exec.js"))
	copyFile(t, "glue.mjs", filepath.Join(dir, "worker.mjs"))
	if err := os.Mkdir(filepath.Join(dir, "public"), 0o755); err != nil {
		t.Fatal(err)
	}
	toml := `main = "worker.mjs"
compatibility_date = "2025-09-01"
[assets]
directory = "public"
[vars]
HONNIN_ISSUER_URL = "http://127.0.0.1:9"
[[d1_databases]]
binding = "DB"
database_id = "00000000-0000-0000-0000-000000000000"
`
	if err := os.WriteFile(filepath.Join(dir, "wrangler.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	w := &faultWorker{url: fmt.Sprintf("http://127.0.0.1:%d", port), out: &syncBuffer{}}
	cmd := exec.Command(node, filepath.Join(edge, "dev.mjs"), "-config", filepath.Join(dir, "wrangler.toml"),
		"-persist", filepath.Join(dir, "state"), "-port", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = w.out, w.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("dev.mjs output:\n%s", w.out.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("dev.mjs exited during start-up:\n%s", w.out.String())
		default:
		}
		if resp, err := http.Get(w.url + "/instance"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return w
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("faultworker not ready after 60 s:\n%s", w.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitOutput waits until the worker's output contains s.
func (w *faultWorker) waitOutput(t *testing.T, s string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(w.out.String(), s); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the worker never logged %q:\n%s", s, w.out.String())
		}
	}
}

// do sends a request and returns the status and body.
func (w *faultWorker) do(t *testing.T, method, path string, body io.Reader, size int64) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, w.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size // -1: chunked, no Content-Length
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// jsonError checks body is the glue's or jsonapi's JSON error with code.
func jsonError(t *testing.T, what, body, code string) {
	t.Helper()
	var e struct{ Error, Message string }
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error != code || e.Message == "" {
		t.Errorf("%s: body %q, want a JSON error %q with a message", what, body, code)
	}
}

// TestWorkerdFaults runs the worker's failure paths in real workerd: the
// body cap, a panic in a handler, and a Go instance that dies.
func TestWorkerdFaults(t *testing.T) {
	w := startFaultWorker(t)

	t.Run("body cap", func(t *testing.T) {
		tests := []struct {
			name       string
			size       int
			chunked    bool
			wantStatus int
		}{
			{"at the cap", MaxBody, false, http.StatusOK},
			{"over the cap", MaxBody + 1, false, http.StatusRequestEntityTooLarge},
			{"over the cap, chunked", MaxBody + 1, true, http.StatusRequestEntityTooLarge},
			{"empty", 0, false, http.StatusOK},
		}
		for _, tt := range tests {
			size := int64(tt.size)
			if tt.chunked {
				size = -1
			}
			// A reader that is not a *bytes.Reader, so chunked stays chunked.
			body := io.MultiReader(bytes.NewReader(make([]byte, tt.size)))
			status, got := w.do(t, "POST", "/echo", body, size)
			if status != tt.wantStatus {
				t.Errorf("%s: status %d (%s), want %d", tt.name, status, got, tt.wantStatus)
				continue
			}
			if status == http.StatusOK && got != fmt.Sprint(tt.size) {
				t.Errorf("%s: the worker got %s bytes, want %d", tt.name, got, tt.size)
			}
			if status == http.StatusRequestEntityTooLarge {
				jsonError(t, tt.name, got, "too_large")
			}
		}
	})

	t.Run("panic in a handler", func(t *testing.T) {
		status, body := w.do(t, "GET", "/panic", nil, 0)
		if status != http.StatusInternalServerError {
			t.Fatalf("status %d (%s), want 500", status, body)
		}
		jsonError(t, "panic", body, "internal")
		// Recovered inside the instance: the worker goes on serving (and
		// "instance dies" below checks that no instance ended here).
		if status, body := w.do(t, "GET", "/instance", nil, 0); status != http.StatusOK {
			t.Errorf("after the panic: status %d (%s), want 200", status, body)
		}
	})

	t.Run("instance dies", func(t *testing.T) {
		status, body := w.do(t, "GET", "/crash", nil, 0)
		if status != http.StatusInternalServerError {
			t.Fatalf("status %d (%s), want 500", status, body)
		}
		jsonError(t, "crash", body, "internal")
		// The glue logs the end; the log arrives on its own pipe, so wait
		// for it. Exactly one: the recovered panic before ended none.
		w.waitOutput(t, "Go instance exited")
		if n := strings.Count(w.out.String(), "Go instance exited"); n != 1 {
			t.Errorf("%d Go instances ended, want 1 (the crashed one):\n%s", n, w.out.String())
		}
		// The glue drops the dead instance instead of handing it out again
		// (a call into an ended Go throws: a 500); more requests than the
		// pool holds all get a live one.
		for i := 0; i < MaxInstances+1; i++ {
			if status, body := w.do(t, "GET", "/instance", nil, 0); status != http.StatusOK {
				t.Fatalf("request %d after the crash: status %d (%s), want 200", i, status, body)
			}
		}
	})

	t.Run("head", func(t *testing.T) {
		// The request's head crosses into Go as one string, the response's
		// headers come back as one: both arrive whole.
		req, err := http.NewRequest("GET", w.url+"/head?q=1%202", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/json, text/plain: x")
		req.Header.Add("X-Test", "one")
		req.Header.Add("X-Test", "two")
		req.Header.Set("CF-Connecting-IP", "203.0.113.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct {
			Method, Host, URI, IP, Accept string
			Test                          []string
		}
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
			t.Fatalf("status %d: %v", resp.StatusCode, err)
		}
		host := strings.TrimPrefix(w.url, "http://")
		// workerd joins a repeated request header with ", " (as Headers does).
		if got.Method != "GET" || got.Host != host || got.URI != "/head?q=1%202" || got.IP != "203.0.113.9" ||
			got.Accept != "application/json, text/plain: x" || strings.Join(got.Test, ", ") != "one, two" {
			t.Errorf("Go saw %+v", got)
		}
		if c := resp.Header.Values("Set-Cookie"); len(c) != 2 || c[0] != "a=1" || c[1] != "b=2" {
			t.Errorf("Set-Cookie = %q, want [a=1 b=2]", c)
		}
		if v := resp.Header.Get("X-Newline"); v != "a b" {
			t.Errorf("X-Newline = %q, want %q", v, "a b")
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		// More requests at once than instances: each gets its own answer.
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := bytes.Repeat([]byte{'x'}, 1000+i)
				resp, err := http.Post(w.url+"/echo", "application/octet-stream", bytes.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK || string(b) != fmt.Sprint(len(body)) {
					errs <- fmt.Errorf("request %d: status %d, body %q, want 200 %d", i, resp.StatusCode, b, len(body))
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a bytes.Buffer safe for a process's output and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
