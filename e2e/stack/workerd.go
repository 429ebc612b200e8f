package stack

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// wranglerEnv keeps wrangler offline and quiet: no metrics, no error
// reports, no fetch of Cloudflare's request.cf data, no update check.
var wranglerEnv = []string{
	"WRANGLER_SEND_METRICS=false", "WRANGLER_SEND_ERROR_REPORTS=false",
	"CLOUDFLARE_CF_FETCH_ENABLED=false", "NO_UPDATE_NOTIFIER=1", "CI=true",
}

// prepareWorkerd sets up the edge to run in workerd: a wrangler.toml of its
// own in the state folder (absolute paths into EdgeDir, so the D1 state and
// the secrets are this stack's and not `make edge-dev`'s), its .dev.vars
// from the stack's keys, the D1 migrations applied; and returns the
// command that serves it: edge/dev.mjs, which runs the worker in wrangler's
// miniflare and workerd without wrangler's dev proxy (that proxy leaves a
// request unanswered now and then; see dev.mjs), with edge/dev-cf.json as
// every request's request.cf.
func (s *Stack) prepareWorkerd(ctx context.Context) ([]string, error) {
	dir, err := filepath.Abs(s.cfg.EdgeDir)
	if s.cfg.EdgeDir == "" {
		dir, err = filepath.Abs("edge")
	}
	if err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("stack: the workerd edge needs Node.js: %w", err)
	}
	wrangler := filepath.Join(dir, "node_modules", ".bin", "wrangler")
	for _, need := range []string{wrangler, filepath.Join(dir, "build", "app.wasm"), filepath.Join(dir, "wrangler.toml")} {
		if _, err := os.Stat(need); err != nil {
			return nil, fmt.Errorf("stack: workerd edge not built (run: make edge-build): %w", err)
		}
	}
	conf, err := os.ReadFile(filepath.Join(dir, "wrangler.toml"))
	if err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	wd := filepath.Join(s.cfg.State, "workerd")
	if err := os.MkdirAll(wd, 0o700); err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	toml := string(conf)
	for _, rel := range []string{`"build/worker.mjs"`, `"build/public"`, `"migrations"`} {
		toml = strings.Replace(toml, " = "+rel, " = "+strconv.Quote(filepath.Join(dir, strings.Trim(rel, `"`))), 1)
	}
	if err := os.WriteFile(filepath.Join(wd, "wrangler.toml"), []byte(toml), 0o600); err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	vars, err := DevVars(filepath.Join(s.cfg.State, "keys"), s.IssuerURL)
	if err != nil {
		return nil, err
	}
	if d := s.cfg.EdgeClockOffset; d != 0 {
		vars = fmt.Appendf(vars, "HONNIN_CLOCK_OFFSET='%s'\n", d)
	}
	if err := os.WriteFile(filepath.Join(wd, ".dev.vars"), vars, 0o600); err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	config := filepath.Join(wd, "wrangler.toml")
	persist := filepath.Join(wd, "state")
	mig := exec.CommandContext(ctx, wrangler, "d1", "migrations", "apply", "DB", "--local", "--config", config, "--persist-to", persist)
	mig.Env = append(os.Environ(), wranglerEnv...)
	if out, err := mig.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("stack: wrangler d1 migrations apply: %v: %s", err, out)
	}
	return []string{node, filepath.Join(dir, "dev.mjs"),
		"-config", config, "-persist", persist,
		"-ip", "127.0.0.1", "-port", strconv.Itoa(s.cfg.Ports.Edge),
		"-vars", filepath.Join(wd, ".dev.vars"),
		"-cf", filepath.Join(dir, "dev-cf.json"),
		// Deliver queued outcomes within seconds, not the minute the
		// deployed cron waits: the e2e suite (and a demo) wait for them.
		"-scheduled-every", "2",
	}, nil
}

// DevVars returns a wrangler .dev.vars for the Workers edge: the contents of
// the edge's three key files in keysDir as one-line secrets, and the
// issuer's URL. (edge/dev-vars.sh writes the same for make edge-dev.)
func DevVars(keysDir, issuerURL string) ([]byte, error) {
	var b bytes.Buffer
	for _, kv := range [][2]string{
		{"HONNIN_EDGE_SIGN_JWK", "edge-sign.jwk"},
		{"HONNIN_EDGE_SEAL_JWK", "edge-seal.jwk"},
		{"HONNIN_ISSUER_JWKS", "issuer.jwks"},
	} {
		v, err := os.ReadFile(filepath.Join(keysDir, kv[1]))
		if err != nil {
			return nil, fmt.Errorf("stack: %w", err)
		}
		v = bytes.ReplaceAll(bytes.ReplaceAll(v, []byte("\n"), nil), []byte("\r"), nil)
		fmt.Fprintf(&b, "%s='%s'\n", kv[0], v)
	}
	fmt.Fprintf(&b, "HONNIN_ISSUER_URL='%s'\n", issuerURL)
	return b.Bytes(), nil
}
