package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/honnin/honnin/edge/challenge"
)

// TestServeReloadsKeysOnHangup: after `issuer keys rotate`, a SIGHUP makes
// the running issuer publish (and, at their time, use) the new keys without
// a restart; a folder that does not load leaves the keys in use.
func TestServeReloadsKeysOnHangup(t *testing.T) {
	// The test process's own SIGHUP must never fall to the default action
	// (exit) while serve is not listening for it.
	guard := make(chan os.Signal, 4)
	signal.Notify(guard, syscall.SIGHUP)
	defer signal.Stop(guard)

	s := prepare(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-db", s.db, "-keys", s.keys, "-pan-key-file", s.panKey,
			"-smtp", "127.0.0.1:1"}, &out, &errb)
	}()
	base := waitListening(t, &out, &errb, done)
	kids := func() []string {
		t.Helper()
		resp, err := http.Get(base + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var set struct {
			Keys []struct {
				KID string `json:"kid"`
			} `json:"keys"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
			t.Fatal(err)
		}
		var ks []string
		for _, k := range set.Keys {
			ks = append(ks, k.KID)
		}
		slices.Sort(ks)
		return ks
	}
	before := kids()

	if code, _, errOut := cli(t, "keys", "rotate", "-dir", s.keys, "-publish-delay", "10m"); code != exitOK {
		t.Fatalf("keys rotate: %d %s", code, errOut)
	}
	want, err := challenge.LoadIssuerKeys(s.keys)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(kids(), before) == false {
		t.Fatalf("the JWKS changed before the SIGHUP: %v → %v", before, kids())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	var after []string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if after = kids(); !slices.Equal(after, before) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(after) <= len(before) || !strings.Contains(string(want.JWKS), after[len(after)-1]) {
		t.Fatalf("after rotate and SIGHUP the JWKS has %v (before %v), want the rotated folder's keys", after, before)
	}

	// A broken folder: the keys in use stay, the log says why.
	if err := os.WriteFile(filepath.Join(s.keys, challenge.IssuerSignFile), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(errb.String()+out.String(), "keys not reloaded") {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(errb.String()+out.String(), "keys not reloaded") {
		t.Errorf("a broken key folder on SIGHUP logged nothing:\n%s", errb.String())
	}
	if got := kids(); !slices.Equal(got, after) {
		t.Errorf("a broken key folder changed the JWKS: %v → %v", after, got)
	}
	cancel()
	<-done
}
