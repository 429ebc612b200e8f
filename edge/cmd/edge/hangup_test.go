package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/honnin/honnin/edge/assets"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/server"
	"github.com/honnin/honnin/web"
)

// lockedBuffer is a log sink the reloading goroutine and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestReloadsKeysOnHangup: a SIGHUP puts the key folder as it is now in
// use (the edge's JWKS shows the new signing key); a folder that does not
// load keeps the keys in use, and says why.
func TestReloadsKeysOnHangup(t *testing.T) {
	dir := t.TempDir()
	keysDir := filepath.Join(dir, "keys")
	if err := challenge.GenerateKeys(keysDir, challenge.KEMX25519); err != nil {
		t.Fatal(err)
	}
	keys, err := challenge.LoadEdgeKeys(keysDir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := sqlite.Open(context.Background(), filepath.Join(dir, "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	edge, err := server.New(server.Config{Keys: keys, IssuerURL: "http://127.0.0.1:1", Ledger: l.SQL, DB: l.DB(),
		Static: web.Static, Names: assets.ClientNames{Wasm: "challenge.0123456789ab.wasm", WasmExec: "wasm_exec.0123456789ab.js"}})
	if err != nil {
		t.Fatal(err)
	}
	jwks := func() string {
		t.Helper()
		w := httptest.NewRecorder()
		edge.ServeHTTP(w, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))
		b, _ := io.ReadAll(w.Body)
		return string(b)
	}
	var logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal) // unbuffered: a send returns once the loop took the one before
	go reloadKeysOnHangup(ctx, hup, keysDir, edge, slog.New(slog.NewTextHandler(&logs, nil)))
	// hangup sends a SIGHUP and returns when it was handled: the second
	// send waits for the loop to be back from the first.
	hangup := func() {
		hup <- syscall.SIGHUP
		hup <- syscall.SIGHUP
	}

	before := jwks()
	if !strings.Contains(before, keys.Sign.KID) {
		t.Fatalf("JWKS %s lacks the signing key %s", before, keys.Sign.KID)
	}
	// Another folder's keys copied over this one: a new signing key.
	other := filepath.Join(dir, "other")
	if err := challenge.GenerateKeys(other, challenge.KEMX25519); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{challenge.EdgeSignFile, challenge.EdgeSealFile, challenge.IssuerJWKSFile} {
		b, err := os.ReadFile(filepath.Join(other, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(keysDir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rotated, err := challenge.LoadEdgeKeys(keysDir)
	if err != nil {
		t.Fatal(err)
	}
	if jwks() != before {
		t.Fatal("the JWKS changed before the SIGHUP")
	}
	hangup()
	after := jwks()
	if after == before || !strings.Contains(after, rotated.Sign.KID) || !strings.Contains(logs.String(), "keys reloaded") {
		t.Fatalf("after SIGHUP: JWKS %s, want %s's key; log %s", after, rotated.Sign.KID, logs.String())
	}

	// A broken folder: the keys in use stay, and the log says why.
	if err := os.WriteFile(filepath.Join(keysDir, challenge.EdgeSignFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	hangup()
	if got := jwks(); got != after {
		t.Errorf("a broken folder changed the JWKS: %s", got)
	}
	if log := logs.String(); !strings.Contains(log, "keys not reloaded; the keys in use stay") || !strings.Contains(log, challenge.EdgeSignFile) {
		t.Errorf("log %s", log)
	}
}
