package edgepush_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/assets"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/edge/ledger/sqlite"
	"github.com/honnin/honnin/edge/limits"
	"github.com/honnin/honnin/edge/server"
	"github.com/honnin/honnin/issuer"
	"github.com/honnin/honnin/issuer/edgepush"
	"github.com/honnin/honnin/issuer/store"
	"github.com/honnin/honnin/web"
)

var t0 = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

// TestPushReachesTheEdge: a lock in the issuer's store reaches a real edge
// (its handler and its SQLite ledger) as the credential's new epoch and
// count; while the edge is down the push waits and is retried, and a
// repeat changes nothing.
func TestPushReachesTheEdge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := challenge.GenerateKeys(filepath.Join(dir, "keys"), challenge.KEMX25519); err != nil {
		t.Fatal(err)
	}
	ik, err := challenge.LoadIssuerKeys(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	ek, err := challenge.LoadEdgeKeys(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}

	// The edge, as bin/edge wires it.
	l, err := sqlite.Open(ctx, filepath.Join(dir, "edge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := server.New(server.Config{Keys: ek, IssuerURL: "http://127.0.0.1:1", Ledger: l.SQL, DB: l.DB(), Static: web.Static,
		Names: assets.ClientNames{Wasm: "challenge.0123456789ab.wasm", WasmExec: "wasm_exec.0123456789ab.js"}, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	edge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer edge.Close()

	// The issuer's store with one card and its email credential.
	st, err := store.Open(ctx, filepath.Join(dir, "issuer.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := st.UpsertCardholder(ctx, issuer.Cardholder{PANHMAC: []byte("p"), Last4: "0001", Email: "a@mail.jp", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := st.ContactCredential(ctx, c.ID, issuer.MethodEmail, t0)
	if err != nil {
		t.Fatal(err)
	}

	now := time.Now() // the edge checks the push with its own clock
	p := &edgepush.Pusher{Store: st, Key: func() challenge.SigningKey { return ik.Sign }, EdgeURL: edge.URL, Log: quiet, Now: func() time.Time { return now }}
	if err := st.LockCredential(ctx, cred.ID, issuer.LockOperator, "operator", now); err != nil {
		t.Fatal(err)
	}

	down.Store(true)
	if n, err := p.Deliver(ctx); err != nil || n != 0 {
		t.Fatalf("Deliver to a down edge = %d, %v", n, err)
	}
	if n, _ := st.PendingPushes(ctx); n != 1 {
		t.Fatalf("pending after a failed push = %d, want 1", n)
	}
	down.Store(false)
	if n, _ := p.Deliver(ctx); n != 0 {
		t.Fatalf("a push delivered before its backoff")
	}
	now = now.Add(2 * time.Second) // past the first backoff (at most 1 s)
	if n, err := p.Deliver(ctx); err != nil || n != 1 {
		t.Fatalf("Deliver after the backoff = %d, %v", n, err)
	}
	got, err := l.Credential(ctx, cred.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Epoch != 2 || got.Failures != limits.FailuresPerCredential {
		t.Fatalf("the edge holds %+v, want epoch 2 and the lock's count", got)
	}

	if err := st.UnlockCredential(ctx, cred.ID, "operator", now); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Deliver(ctx); err != nil || n != 1 {
		t.Fatalf("Deliver of the unlock = %d, %v", n, err)
	}
	if got, _ := l.Credential(ctx, cred.PublicID); got.Epoch != 3 || got.Failures != 0 {
		t.Fatalf("after the unlock the edge holds %+v, want epoch 3, 0 failures", got)
	}
	if n, _ := st.PendingPushes(ctx); n != 0 {
		t.Errorf("%d pushes left", n)
	}
}
