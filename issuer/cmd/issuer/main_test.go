package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/issuer/demo"
	"github.com/honnin/honnin/issuer/devmail"
)

// syncBuffer is a bytes.Buffer safe to write from the command while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// cli runs the command in-process and returns exit code, stdout, stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "commands:"},
		{[]string{"--help"}, "commands:"},
		{[]string{"serve", "--help"}, "-pan-key-file"},
		{[]string{"serve", "-h"}, "-edge-url"},
		{[]string{"migrate", "--help"}, "-db"},
		{[]string{"keys", "init", "--help"}, "-dir"},
		{[]string{"keys", "pan", "--help"}, "-out"},
		{[]string{"demo", "seed", "--help"}, "-api-key-file"},
		// A group lists its commands.
		{[]string{"cardholder", "--help"}, "cardholder portal-password"},
		{[]string{"merchant", "watch", "-h"}, "merchant watch remove"},
		{[]string{"emv", "help"}, "emv list"},
	}
	for _, tt := range tests {
		code, out, _ := cli(t, tt.args...)
		if code != exitOK || !strings.Contains(out, tt.want) {
			t.Errorf("%v: exit %d, stdout %q; want 0 and %q", tt.args, code, out, tt.want)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := [][]string{
		{},
		{"frobnicate"},
		{"keys"},
		{"serve", "-nope"},
		{"migrate", "extra-arg"},
		{"keys", "init", "-kem", "rsa"},
	}
	for _, args := range tests {
		code, _, errOut := cli(t, args...)
		if code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
	// A group named alone: its commands, as a usage error; only its own.
	code, out, errOut := cli(t, "cardholder")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "cardholder unlock") || strings.Contains(errOut, "merchant add") {
		t.Errorf("cardholder alone: %d %q %q", code, out, errOut)
	}
}

func TestKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if code, out, errOut := cli(t, "keys", "init", "-dir", dir); code != exitOK || !strings.Contains(out, dir) {
		t.Fatalf("keys init: %d %q %q", code, out, errOut)
	}
	if _, err := challenge.LoadIssuerKeys(dir); err != nil {
		t.Errorf("issuer keys: %v", err)
	}
	if _, err := challenge.LoadEdgeKeys(dir); err != nil {
		t.Errorf("edge keys: %v", err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, challenge.IssuerSignFile))
	if code, _, errOut := cli(t, "keys", "init", "-dir", dir); code != exitFail || !strings.Contains(errOut, "exists") {
		t.Errorf("second keys init: %d %q; want 1 and 'exists'", code, errOut)
	}
	after, _ := os.ReadFile(filepath.Join(dir, challenge.IssuerSignFile))
	if !bytes.Equal(before, after) {
		t.Error("keys init overwrote a key")
	}

	x := filepath.Join(t.TempDir(), "x25519")
	if code, _, errOut := cli(t, "keys", "init", "-dir", x, "-kem", "x25519"); code != exitOK {
		t.Errorf("keys init x25519: %d %q", code, errOut)
	}

	p := filepath.Join(t.TempDir(), "sub", "pan.key")
	if code, _, errOut := cli(t, "keys", "pan", "-out", p); code != exitOK {
		t.Fatalf("keys pan: %d %q", code, errOut)
	}
	b, _ := os.ReadFile(p)
	if len(strings.TrimSpace(string(b))) != 64 {
		t.Errorf("pan key file %q", b)
	}
	if code, _, _ := cli(t, "keys", "pan", "-out", p); code != exitFail {
		t.Errorf("second keys pan: exit %d, want 1", code)
	}
	if b2, _ := os.ReadFile(p); !bytes.Equal(b, b2) {
		t.Error("keys pan overwrote the key")
	}
}

// migrateTwice runs migrate on db twice: every migration, then none. It
// returns what both runs printed.
func migrateTwice(t *testing.T, db string) string {
	t.Helper()
	code, out, errOut := cli(t, "migrate", "-db", db)
	if code != exitOK || !strings.Contains(out, "applied migrations "+allMigrations(t)) {
		t.Fatalf("migrate: %d %q %q", code, out, errOut)
	}
	code, again, _ := cli(t, "migrate", "-db", db)
	if code != exitOK || !strings.Contains(again, "up to date") {
		t.Errorf("second migrate: %d %q", code, again)
	}
	return out + again
}

// allMigrations is how migrate lists every migration: [1 2 … n], n the
// number of files in the store's migration folder.
func allMigrations(t *testing.T) string {
	t.Helper()
	files, err := os.ReadDir(filepath.Join("..", "..", "store", "migrations", "sqlite"))
	if err != nil || len(files) < 10 {
		t.Fatalf("migration files: %d, %v", len(files), err)
	}
	v := make([]string, len(files))
	for i := range files {
		v[i] = strconv.Itoa(i + 1)
	}
	return "[" + strings.Join(v, " ") + "]"
}

func TestMigrate(t *testing.T) {
	migrateTwice(t, filepath.Join(t.TempDir(), "new", "issuer.db"))
	if code, _, errOut := cli(t, "migrate", "-db", "/proc/no/such/place.db"); code != exitFail || errOut == "" {
		t.Errorf("migrate in an impossible place: %d %q", code, errOut)
	}
}

var cardLine = regexp.MustCompile(`(?m)^card (\d{13,19}) (\w+) (\S+@\S+) (ja|en)( (deny|phone|secret|token|password):\S+)?$`)

// vaultKey writes a vault key for the test and points the commands at it.
func vaultKey(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "vault.key")
	if code, _, errOut := cli(t, "keys", "vault", "-out", path); code != exitOK {
		t.Fatalf("keys vault: %d %s", code, errOut)
	}
	t.Setenv("HONNIN_VAULT_KEY_FILE", path)
	return path
}

func TestDemoSeed(t *testing.T) {
	dir := t.TempDir()
	db, pk := filepath.Join(dir, "issuer.db"), filepath.Join(dir, "pan.key")
	vaultKey(t, dir)

	keyFile := apiKeyFile(t, dir, "demo-key")
	code, _, errOut := cli(t, "demo", "seed", "-db", db, "-pan-key-file", pk, "-api-key-file", keyFile)
	if code != exitFail || !strings.Contains(errOut, "issuer keys pan") {
		t.Errorf("seed without a pan key: %d %q; want 1 and how to make one", code, errOut)
	}
	if code, _, _ := cli(t, "keys", "pan", "-out", pk); code != exitOK {
		t.Fatal("keys pan failed")
	}
	for range 2 { // idempotent
		code, out, errOut := cli(t, "demo", "seed", "-db", db, "-pan-key-file", pk, "-api-key-file", keyFile,
			"-origin", "http://localhost:18080", "-origin", "http://127.0.0.1:18080")
		if code != exitOK {
			t.Fatalf("seed: %d %q", code, errOut)
		}
		cards := cardLine.FindAllStringSubmatch(out, -1)
		if len(cards) != len(demo.Cards) || cards[0][1] != "3540123456789016" || cards[0][3] != "demo@mail.jp" || cards[0][4] != "ja" || cards[1][4] != "en" {
			t.Errorf("seed output %q", out)
		}
		if !strings.Contains(out, "http://localhost:18080,http://127.0.0.1:18080") && !strings.Contains(out, "http://127.0.0.1:18080,http://localhost:18080") {
			t.Errorf("seed output lacks the origins: %q", out)
		}
		if !strings.Contains(out, "\nportal 3540123456789016 honnin-portal-9016\n") ||
			!strings.Contains(out, "\nlinked 3540123456789016 3540123456789024\n") {
			t.Errorf("seed output lacks the portal lines: %q", out)
		}
	}
	// Without a key file a key is made and printed.
	code, out, _ := cli(t, "demo", "seed", "-db", db, "-pan-key-file", pk)
	if code != exitOK || !regexp.MustCompile(`(?m)^api-key hk_\w+$`).MatchString(out) {
		t.Errorf("seed without a key: %d %q", code, out)
	}

	// A key file others can read, or an empty one, is refused.
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = cli(t, "demo", "seed", "-db", db, "-pan-key-file", pk, "-api-key-file", keyFile)
	wantRun(t, code, "", errOut, exitFail, "chmod 600 "+keyFile)
	code, _, errOut = cli(t, "demo", "seed", "-db", db, "-pan-key-file", pk, "-api-key-file", apiKeyFile(t, t.TempDir(), " \n"))
	wantRun(t, code, "", errOut, exitFail, "is empty")
}

// apiKeyFile writes key to a 0600 file in dir, as the stack does.
func apiKeyFile(t *testing.T, dir, key string) string {
	t.Helper()
	path := filepath.Join(dir, "api-key")
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// testStack prepares a keys folder, a PAN key and a seeded database.
type testStack struct {
	dir, keys, db, panKey string
}

func prepare(t *testing.T) testStack { t.Helper(); return prepareDB(t, "") }

// prepareDB is prepare with the database db ("": a SQLite file in the
// stack's folder, a copy of stackTemplate's).
func prepareDB(t *testing.T, db string) testStack {
	t.Helper()
	if db != "" {
		return newStack(t, t.TempDir(), db)
	}
	tpl := stackTemplate.get(t)
	dir := t.TempDir()
	copyTree(t, tpl, dir)
	t.Setenv("HONNIN_VAULT_KEY_FILE", filepath.Join(dir, "vault.key"))
	return testStack{dir: dir, keys: filepath.Join(dir, "keys"), db: filepath.Join(dir, "issuer.db"), panKey: filepath.Join(dir, "pan.key")}
}

// stackTemplate is the SQLite stack prepare copies, made once per test
// binary: a copy takes milliseconds, making one two seconds under -race
// (demo seed hashes the demo cards' portal passwords with argon2id).
// TestMain removes it.
var stackTemplate sharedStack

// startAsEdge starts authentication id at the issuer served on base as the
// edge does (a call token signed with the stack's edge key) and fails t
// unless it challenges with the code sent.
func (s testStack) startAsEdge(t *testing.T, base, id string) {
	t.Helper()
	ek, err := challenge.LoadEdgeKeys(s.keys)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, _ := challenge.Sign(ek.Sign, challenge.TypEdge, &challenge.EdgeClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer: challenge.EdgeName, Audience: jwt.ClaimStrings{challenge.IssuerName}, Subject: id,
		ID: challenge.NewID(), IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
	}})
	var started struct{ Decision, Delivery string }
	if code := postJSON(t, base+"/internal/v1/authentications/"+id+"/start", tok, `{}`, &started); code != 200 || started.Decision != "challenge" || started.Delivery != "sent" {
		t.Fatalf("start: %d %+v", code, started)
	}
}

type sharedStack struct {
	mu  sync.Mutex
	dir string
}

func (tp *sharedStack) get(t *testing.T) string {
	t.Helper()
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.dir == "" {
		dir, err := os.MkdirTemp("", "honnin-cli-stack-")
		if err != nil {
			t.Fatal(err)
		}
		newStack(t, dir, filepath.Join(dir, "issuer.db"))
		tp.dir = dir
	}
	return tp.dir
}

func (tp *sharedStack) remove() {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.dir != "" {
		os.RemoveAll(tp.dir)
	}
}

// copyTree copies the folder src into dst, keeping each file's and
// folder's permissions: the commands refuse key files others can read.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			if err := os.MkdirAll(to, 0o700); err != nil {
				return err
			}
			return os.Chmod(to, fi.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, b, fi.Mode().Perm()); err != nil {
			return err
		}
		return os.Chmod(to, fi.Mode().Perm()) // past the umask
	})
	if err != nil {
		t.Fatalf("copy the test stack: %v", err)
	}
}

// newStack makes a stack in dir over the database db: keys, a PAN key, a
// vault key the commands are pointed at, and db seeded with the demo.
func newStack(t *testing.T, dir, db string) testStack {
	t.Helper()
	s := testStack{dir: dir, keys: filepath.Join(dir, "keys"), db: db, panKey: filepath.Join(dir, "pan.key")}
	vaultKey(t, dir)
	for _, args := range [][]string{
		{"keys", "init", "-dir", s.keys},
		{"keys", "pan", "-out", s.panKey},
		{"demo", "seed", "-db", s.db, "-pan-key-file", s.panKey, "-api-key-file", apiKeyFile(t, dir, "demo-key")},
	} {
		if code, _, errOut := cli(t, args...); code != exitOK {
			t.Fatalf("%v: %d %s", args, code, errOut)
		}
	}
	return s
}

// TestServe runs serve for real, on each database engine: it answers over
// TCP, a created authentication is started with an edge token and the code
// arrives at an SMTP sink, and a cancelled context stops it cleanly.
func TestServe(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db string) { testServe(t, prepareDB(t, db)) })
}

func testServe(t *testing.T, s testStack) {
	inbox := devmail.NewStore(0)
	sink := devmail.NewSMTPServer(inbox, devmail.SMTPConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	sln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go sink.Serve(sln)
	defer sink.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-db", s.db, "-keys", s.keys,
			"-pan-key-file", s.panKey, "-smtp", sln.Addr().String(), "-edge-url", "http://127.0.0.1:8787"}, &out, &errb)
	}()
	base := waitListening(t, &out, &errb, done)

	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("jwks: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}

	// The cardholder portal beside the API, announced at start.
	resp, err = http.Get(base + "/portal/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("portal: %d %v", resp.StatusCode, resp.Header)
	}
	if !strings.Contains(out.String(), "cardholder portal on "+base+"/portal/") {
		t.Errorf("serve does not print the portal's address: %q", out.String())
	}

	body := `{"card_number":"3540 1234 5678 9016","amount":1250,"currency":"JPY","merchant_name":"Demo Shop","merchant_origin":"http://localhost:8080","order_ref":"o-1"}`
	var created struct {
		ID           string `json:"id"`
		Status       string `json:"status"`
		ChallengeURL string `json:"challenge_url"`
	}
	if code := postJSON(t, base+"/v1/authentications", "demo-key", body, &created); code != 201 || created.Status != "C" || !strings.HasPrefix(created.ChallengeURL, "http://127.0.0.1:8787/challenge?st=") {
		t.Fatalf("create: %d %+v", code, created)
	}

	s.startAsEdge(t, base, created.ID)
	if msgs := inbox.Messages("demo@mail.jp"); len(msgs) != 1 || !regexp.MustCompile(`\b\d{6}\b`).MatchString(msgs[0].Text) {
		t.Errorf("mails to demo@mail.jp: %+v", msgs)
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("serve exited %d after cancel: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

func waitListening(t *testing.T, out, errb *syncBuffer, done chan int) string {
	t.Helper()
	re := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start: %s", errb.String())
	return ""
}

func TestServeRefusesBadSetup(t *testing.T) {
	s := prepare(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	badRisk := filepath.Join(s.dir, "risk.json")
	if err := os.WriteFile(badRisk, []byte(`{"thresholds":{"frictionless_max":-20,"deny_min":80},"rules":{"webdrivr":{"weight":40}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	brand := func(name, json string) string {
		p := filepath.Join(s.dir, name)
		if err := os.WriteFile(p, []byte(json), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	yellow := brand("yellow.json", `{"color":"#ffcc00"}`)
	named := brand("named.json", `{"accent":"blue"}`)
	httpPortal := brand("http.json", `{"portal_url":"http://card.example/"}`)
	base := []string{"serve", "-addr", "127.0.0.1:0", "-db", s.db, "-keys", s.keys, "-pan-key-file", s.panKey}
	with := func(flag, v string) []string {
		args := append([]string(nil), base...)
		for i := range args {
			if args[i] == flag {
				args[i+1] = v
				return args
			}
		}
		return append(args, flag, v)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"port taken", with("-addr", taken.Addr().String()), exitFail, "already in use"},
		{"missing pan key", with("-pan-key-file", filepath.Join(s.dir, "nope.key")), exitFail, "issuer keys pan"},
		{"bad pan key", with("-pan-key-file", s.db), exitFail, "not hex"},
		{"missing keys", with("-keys", filepath.Join(s.dir, "nokeys")), exitFail, "keys init"},
		{"bad smtp", with("-smtp", "nonsense"), exitUsage, "host:port"},
		{"bad mail from", with("-mail-from", "not an address"), exitFail, "from"},
		{"bad edge url", with("-edge-url", "edge"), exitFail, "EdgeURL"},
		{"missing risk config", with("-risk-config", filepath.Join(s.dir, "nope.json")), exitFail, "risk: config"},
		{"bad risk config", with("-risk-config", badRisk), exitFail, "unknown rule"},
		{"bad portal cookie mode", with("-portal-secure-cookies", "maybe"), exitUsage, "want true, false or auto"},
		{"negative hash concurrency", with("-hash-concurrency", "-1"), exitUsage, "-hash-concurrency"},
		{"relative portal url", with("-portal-url", "/portal/"), exitUsage, "-portal-url"},
		{"script portal url", with("-portal-url", "javascript:alert(1)"), exitUsage, "-portal-url"},
		{"two-line phone", with("-issuer-phone", "0120\n123"), exitUsage, "-issuer-phone"},
		{"long issuer name", with("-issuer-name", strings.Repeat("x", 65)), exitFail, "issuer contact"},
		{"http portal url elsewhere", with("-portal-url", "http://card.example/"), exitUsage, "http only on localhost"},
		{"missing brand file", with("-branding", filepath.Join(s.dir, "nope.json")), exitUsage, "-branding: branding:"},
		{"low-contrast brand colour", with("-branding", yellow), exitUsage, "color #ffcc00: white button text on it has a contrast of 1.51:1, want at least 4.5:1; #8e7200 is the nearest darker shade that passes"},
		{"brand colour by name", with("-branding", named), exitUsage, `accent "blue": want #rrggbb`},
		{"brand's http portal", with("-branding", httpPortal), exitUsage, "portal_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tt.code, tt.want)
			}
		})
	}
}

// TestEverySubcommandHelpAndBadFlag: each command answers -h and --help on
// stdout with exit 0 and its name, and refuses an unknown flag with exit 2
// and a line naming it, before touching anything.
func TestEverySubcommandHelpAndBadFlag(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			words := strings.Fields(c.name)
			for _, h := range []string{"-h", "--help"} {
				code, out, _ := cli(t, append(words, h)...)
				if code != exitOK || !strings.HasPrefix(out, "usage: issuer "+c.name+" [flags]") || !strings.Contains(out, "flags:") {
					t.Errorf("%s: exit %d, stdout %q", h, code, out)
				}
			}
			code, out, errOut := cli(t, append(words, "-no-such-flag")...)
			if code != exitUsage || out != "" || !strings.Contains(errOut, "no-such-flag") || !strings.Contains(errOut, "issuer "+c.name+" -h") {
				t.Errorf("bad flag: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
		})
	}
}

// postJSON posts body as JSON to url with bearer as the Authorization
// token, decodes the answer into out, and returns the status.
func postJSON(t *testing.T, url, bearer, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("POST %s: %d, body: %v", url, resp.StatusCode, err)
	}
	return resp.StatusCode
}

// wantRun checks a command's exit code, and that want is in what it
// printed: stdout when it was to succeed, stderr otherwise.
func wantRun(t *testing.T, code int, out, errOut string, wantCode int, want string) bool {
	t.Helper()
	got := out
	if wantCode != exitOK {
		got = errOut
	}
	if code != wantCode || !strings.Contains(got, want) {
		t.Errorf("exit %d, out %q, err %q; want %d and %q", code, out, errOut, wantCode, want)
		return false
	}
	return true
}
