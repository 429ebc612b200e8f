// Package stack starts the whole of honnin as real processes on loopback:
// the dev mail sink, the Directory Server simulator (the card scheme's
// side of EMV 3-D Secure, with a 3DS Requestor page), the issuer, the edge
// and the demo shop. `make run` uses
// it for a newcomer, and the e2e tests use it so that what they prove is what
// a newcomer runs.
package stack

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/honnin/honnin/e2e/dssim"
)

// Ports are the loopback ports of the listeners.
type Ports struct {
	Shop, Issuer, Edge, SMTP, Inbox int
	// ACS is the issuer's Directory-Server-facing door (AReq, mutual
	// TLS); DS the DS simulator's RReq door; Requestor its 3DS
	// Requestor page.
	ACS, DS, Requestor int
}

// DefaultPorts are the ones DESIGN.md names.
var DefaultPorts = Ports{Shop: 8080, Issuer: 8081, Edge: 8787, SMTP: 1025, Inbox: 8025,
	ACS: 8443, DS: 9443, Requestor: 8088}

// Shift is p with every port moved by n, so two stacks run side by side.
func (p Ports) Shift(n int) Ports {
	return Ports{Shop: p.Shop + n, Issuer: p.Issuer + n, Edge: p.Edge + n, SMTP: p.SMTP + n, Inbox: p.Inbox + n,
		ACS: p.ACS + n, DS: p.DS + n, Requestor: p.Requestor + n}
}

// Config says where the built programs are and where state goes.
type Config struct {
	// Bin holds the issuer, edge, shop, mailsink and dssim binaries.
	Bin string
	// Dist is the built wasm client (web/dist).
	Dist string
	// State holds keys, databases and the PAN key; created on first start
	// and kept, so a restart keeps the demo data and the keys.
	State string
	Ports Ports
	// Edge is where the edge runs: "native" (bin/edge, the default) or
	// "workerd" (edge/build in wrangler's local workerd through
	// edge/dev.mjs, D1 local, made by make edge-build).
	Edge string
	// EdgeDir is the folder with wrangler.toml, build/ and node_modules/
	// (only for workerd; default "edge").
	EdgeDir string
	// Log receives the processes' output, each line prefixed by its name.
	Log io.Writer
	// RiskConfig is the issuer's -risk-config; "" for the default.
	RiskConfig string
	// CountryHeader, when set, makes the edge trust loopback as a proxy
	// that names the client's country in this header, so a test can
	// pretend to come from abroad. Never set for `make run`.
	CountryHeader string
	// SendCap is the issuer's -send-cap, the codes one address or phone
	// may get in 24 hours; 0 keeps the demo's 500 (see Start). The attack
	// tests run with the production default, 10.
	SendCap int
	// EdgeClockOffset moves the edge's clock (the native edge's test-only
	// -clock-offset, the worker's HONNIN_CLOCK_OFFSET var), so a test can
	// show that an edge whose clock is off loses no outcome. 0 for `make
	// run`.
	EdgeClockOffset time.Duration
	// IssuerClockOffset moves the issuer's clock (its test-only
	// -clock-offset), so a test sees the EMV 3DS timers run out without
	// waiting for them. 0 for `make run`.
	IssuerClockOffset time.Duration
	// OperatorEmail is where the issuer mails its operator's notices (a
	// cardholder's "this was not me"), through its outbox to the dev mail
	// sink; "" for none (the notice is only logged). It reaches the issuer
	// as HONNIN_OPERATOR_EMAIL (serve -operator-email's variable).
	OperatorEmail string
	// IssuerDB is the issuer's -db: "" for issuer.db in State (SQLite),
	// or a postgres:// URL, so the same stack runs on PostgreSQL.
	IssuerDB string
}

// The dev sink's default Twilio account (see issuer/cmd/mailsink).
const (
	devTwilioSID   = "AC00000000000000000000000000000000"
	devTwilioToken = "dev-twilio-token"
)

// Stack is a running set of processes.
type Stack struct {
	ShopURL, IssuerURL, EdgeURL, InboxURL string
	SMTPAddr                              string
	APIKey                                string
	Cards                                 []DemoCard
	// PortalURL is the cardholder portal (served by the issuer); Linked
	// the demo card numbers one person holds, linked for combined login.
	PortalURL string
	Linked    []string
	// RequestorURL is the DS simulator's 3DS Requestor page (and its
	// JSON API, dssim.Remote); ACSURL the issuer's AReq URL (mutual TLS,
	// the certificates in PKIDir: dssim.LoadPKI); DSURL where the issuer
	// sends RReqs.
	RequestorURL, ACSURL, DSURL string
	PKIDir                      string

	cfg   Config
	procs []*proc
}

// DemoCard is a seeded cardholder a person can pay with. Note says what
// else it demonstrates ("deny:otp-locked"); "" for an ordinary card.
type DemoCard struct {
	Number, Email, Method, Locale, Note string
	// PortalPassword is the card's password for the cardholder portal.
	PortalPassword string
}

type proc struct {
	name string
	args []string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start prepares the state folder and starts every process, returning once
// each one answers. On error, whatever started is stopped.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	for _, name := range []string{"issuer", "edge", "shop", "mailsink", "dssim"} {
		if _, err := os.Stat(filepath.Join(cfg.Bin, name)); err != nil {
			return nil, fmt.Errorf("stack: %s not built in %s (run: make build): %w", name, cfg.Bin, err)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.Dist, "manifest.json")); err != nil {
		return nil, fmt.Errorf("stack: wasm client not built in %s (run: make build): %w", cfg.Dist, err)
	}
	s := newStack(cfg)
	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	edgeArgs, err := s.edgeCommand(ctx)
	if err != nil {
		return nil, err
	}
	for _, step := range s.steps(edgeArgs) {
		if err := s.spawn(step.name, step.listen, step.args); err != nil {
			s.Stop()
			return nil, err
		}
		if err := s.waitReady(ctx, step.name, step.ready); err != nil {
			s.Stop()
			return nil, err
		}
	}
	return s, nil
}

func newStack(cfg Config) *Stack {
	p := cfg.Ports
	return &Stack{
		// The shop is on another site than the edge (127.0.0.1, the edge
		// localhost), as every real shop is: the challenge iframe is
		// third-party, its storage partitioned or blocked by the browser.
		ShopURL:   fmt.Sprintf("http://127.0.0.1:%d", p.Shop),
		IssuerURL: fmt.Sprintf("http://127.0.0.1:%d", p.Issuer),
		EdgeURL:   fmt.Sprintf("http://localhost:%d", p.Edge),
		InboxURL:  fmt.Sprintf("http://127.0.0.1:%d", p.Inbox),
		PortalURL: fmt.Sprintf("http://127.0.0.1:%d/portal/", p.Issuer),
		SMTPAddr:  fmt.Sprintf("127.0.0.1:%d", p.SMTP),
		// localhost: the requestor's page frames the edge.
		RequestorURL: fmt.Sprintf("http://localhost:%d", p.Requestor),
		ACSURL:       fmt.Sprintf("https://127.0.0.1:%d/3ds/v2/areq", p.ACS),
		DSURL:        fmt.Sprintf("https://127.0.0.1:%d%s", p.DS, dssim.RReqPath),
		PKIDir:       filepath.Join(cfg.State, "pki"),
		cfg:          cfg,
	}
}

// step is one process of the stack, in starting order: the addresses it
// listens on, its command line, and the URL that answers once it is up.
type step struct {
	name   string
	listen []string
	args   []string
	ready  string
}

func (s *Stack) bin(name string) string { return filepath.Join(s.cfg.Bin, name) }

func (s *Stack) state(name string) string { return filepath.Join(s.cfg.State, name) }

// issuerDB is the issuer's database: Config.IssuerDB, or issuer.db in
// the state folder.
func (s *Stack) issuerDB() string {
	if s.cfg.IssuerDB != "" {
		return s.cfg.IssuerDB
	}
	return s.state("issuer.db")
}

func loopback(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// nativeEdgeArgs is bin/edge's command line.
func (s *Stack) nativeEdgeArgs() []string {
	args := []string{s.bin("edge"),
		"-addr", loopback(s.cfg.Ports.Edge),
		"-keys", s.state("keys"),
		"-db", s.state("edge.db"),
		"-issuer", s.IssuerURL,
		"-dist", s.cfg.Dist,
	}
	if s.cfg.CountryHeader != "" {
		args = append(args, "-trusted-proxies", "127.0.0.0/8,::1", "-country-header", s.cfg.CountryHeader)
	}
	if s.cfg.EdgeClockOffset != 0 {
		// One argument: a negative offset must not read as a flag.
		args = append(args, "-clock-offset="+s.cfg.EdgeClockOffset.String())
	}
	return args
}

// edgeCommand is the command line that runs the edge as configured,
// EdgeClockOffset included; for workerd it also writes the worker's
// configuration and vars into the state folder.
func (s *Stack) edgeCommand(ctx context.Context) ([]string, error) {
	switch s.cfg.Edge {
	case "", "native":
		return s.nativeEdgeArgs(), nil
	case "workerd":
		// The worker takes the country from request.cf only: no header is
		// ever trusted there, so CountryHeader does not apply. Locally,
		// request.cf is edge/dev-cf.json's (Tokyo), or what a request's
		// MF-CF-Blob header says (miniflare's, honoured only by the local
		// runtime: Cloudflare sets request.cf itself).
		return s.prepareWorkerd(ctx)
	}
	return nil, fmt.Errorf("stack: unknown edge runtime %q (native or workerd)", s.cfg.Edge)
}

// steps are the stack's processes; edgeArgs is the edge's command line
// (native or workerd). The command lines name secrets by file, or spawn
// passes them in the environment, never by value: every user of the
// machine can read a process's arguments.
func (s *Stack) steps(edgeArgs []string) []step {
	p := s.cfg.Ports
	issuerArgs := []string{s.bin("issuer"), "serve",
		"-addr", loopback(p.Issuer),
		"-db", s.issuerDB(),
		"-keys", s.state("keys"),
		"-pan-key-file", s.state("pan.key"),
		"-vault-key-file", s.state("vault.key"),
		"-smtp", s.SMTPAddr,
		"-edge-url", s.EdgeURL,
		// SMS goes to the dev sink, which speaks Twilio's API; the token
		// is in the environment (spawn).
		"-sms-twilio-url", s.InboxURL + "/twilio",
		"-sms-twilio-sid", devTwilioSID,
		"-sms-twilio-from", "+815000000000",
		"-send-cap", strconv.Itoa(s.sendCap()),
		// The EMV 3-D Secure door the DS simulator calls, and where the
		// issuer sends its RReqs, with the simulator's PKI.
		"-ds-addr", loopback(p.ACS),
		"-ds-cert", filepath.Join(s.PKIDir, dssim.ACSCertFile),
		"-ds-key", filepath.Join(s.PKIDir, dssim.ACSKeyFile),
		"-ds-ca", filepath.Join(s.PKIDir, dssim.CAFile),
		"-ds-url", s.DSURL,
		"-acs-reference-number", acsReferenceNumber,
	}
	if s.cfg.RiskConfig != "" {
		issuerArgs = append(issuerArgs, "-risk-config", s.cfg.RiskConfig)
	}
	if s.cfg.IssuerClockOffset != 0 {
		issuerArgs = append(issuerArgs, "-clock-offset="+s.cfg.IssuerClockOffset.String())
	}
	return []step{
		{"mailsink", []string{s.SMTPAddr, loopback(p.Inbox)}, []string{s.bin("mailsink"), "-smtp", s.SMTPAddr, "-http", loopback(p.Inbox)}, s.InboxURL + "/api/messages"},
		{"dssim", []string{loopback(p.DS), loopback(p.Requestor)}, []string{s.bin("dssim"),
			"-pki", s.PKIDir,
			"-rreq", loopback(p.DS),
			"-http", loopback(p.Requestor),
			"-origin", s.RequestorURL,
			"-acs", s.ACSURL,
			"-method-url", s.EdgeURL + "/3ds/v2/method",
			"-demo-cards", s.cardList(),
		}, fmt.Sprintf("http://127.0.0.1:%d/healthz", p.Requestor)},
		{"issuer", []string{loopback(p.Issuer), loopback(p.ACS)}, issuerArgs, s.IssuerURL + "/.well-known/jwks.json"},
		{"edge", []string{loopback(p.Edge)}, edgeArgs, fmt.Sprintf("http://127.0.0.1:%d/healthz", p.Edge)},
		{"shop", []string{loopback(p.Shop)}, []string{s.bin("shop"),
			"-addr", loopback(p.Shop),
			"-issuer", s.IssuerURL,
			"-api-key-file", s.state(shopAPIKeyFile),
			"-origin", s.ShopURL,
			"-edge", s.EdgeURL,
			"-demo-cards", s.cardList(),
			"-emv-requestor", s.RequestorURL,
		}, fmt.Sprintf("http://127.0.0.1:%d/", p.Shop)},
	}
}

// sendCap is the issuer's -send-cap: Config.SendCap, or 500. The demo
// cards are paid with again and again: the production cap of 10 a day
// would stop a demo within the hour.
func (s *Stack) sendCap() int {
	if s.cfg.SendCap > 0 {
		return s.cfg.SendCap
	}
	return 500
}

// shopAPIKeyFile, in the state folder, holds the demo shop's API key.
const shopAPIKeyFile = "shop-api-key"

// acsReferenceNumber is the dev ACS's reference number (EMVCo assigns a
// real one at the ACS's approval; ≤32 characters).
const acsReferenceNumber = "HONNIN-DEV-ACS-0001"

// RestartEdge stops the edge and starts it again with its clock moved by
// offset (0: the true time), keeping its state (ledger, report queue, D1),
// and waits until it answers. The other processes keep running.
//
// The edge's command is made only once the old edge has stopped: for
// workerd, making it applies the D1 migrations, and a running edge
// writing its D1 database (the outcome queue's deliveries every two
// seconds) makes that apply fail with SQLITE_BUSY.
func (s *Stack) RestartEdge(ctx context.Context, offset time.Duration) error {
	s.cfg.EdgeClockOffset = offset
	return s.restart(ctx, "edge", func() ([]string, error) { return s.edgeCommand(ctx) })
}

// RestartIssuer stops the issuer and starts it again with its clock moved
// by offset (0: the true time), keeping its database, and waits until it
// answers. The other processes keep running.
func (s *Stack) RestartIssuer(ctx context.Context, offset time.Duration) error {
	s.cfg.IssuerClockOffset = offset
	for _, st := range s.steps(nil) {
		if st.name == "issuer" {
			return s.restart(ctx, "issuer", fixed(st.args))
		}
	}
	return fmt.Errorf("stack: no issuer step")
}

// fixed is a command line for restart that needs nothing made first.
func fixed(args []string) func() ([]string, error) {
	return func() ([]string, error) { return args, nil }
}

// restart stops the process name, then starts the command line that
// command gives in its place, on the same addresses, and waits until it
// is ready again. When command fails, the process stays stopped: a test
// that goes on fails loudly instead of running against the old one.
func (s *Stack) restart(ctx context.Context, name string, command func() ([]string, error)) error {
	var step step
	for _, st := range s.steps(nil) {
		if st.name == name {
			step = st
		}
	}
	for i, p := range s.procs {
		if p.name != name {
			continue
		}
		p.stop()
		args, err := command()
		if err != nil {
			return err
		}
		rest := append([]*proc(nil), s.procs[i+1:]...)
		s.procs = s.procs[:i]
		if err := s.spawn(name, step.listen, args); err != nil {
			s.procs = append(s.procs, rest...)
			return err
		}
		err = s.waitReady(ctx, name, step.ready)
		s.procs = append(s.procs, rest...)
		return err
	}
	return fmt.Errorf("stack: no %s process", name)
}

func (s *Stack) cardList() string {
	var n []string
	for _, c := range s.Cards {
		n = append(n, c.Number)
	}
	return strings.Join(n, ",")
}

// prepare makes the state folder on first use: keys, the PAN key, the
// schema and the demo data. Seeding is idempotent, so it runs every time.
func (s *Stack) prepare(ctx context.Context) error {
	st := s.cfg.State
	if err := os.MkdirAll(st, 0o700); err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	if err := tightenDatabases(st); err != nil {
		return err
	}
	issuer := filepath.Join(s.cfg.Bin, "issuer")
	if _, err := os.Stat(filepath.Join(st, "keys")); errors.Is(err, os.ErrNotExist) {
		if out, err := exec.CommandContext(ctx, issuer, "keys", "init", "-dir", filepath.Join(st, "keys")).CombinedOutput(); err != nil {
			return fmt.Errorf("stack: issuer keys init: %v: %s", err, out)
		}
	}
	var err error
	if s.APIKey, err = secretFile(s.state(shopAPIKeyFile), 32); err != nil {
		return err
	}
	if _, err := secretFile(filepath.Join(st, "pan.key"), 32); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(st, "vault.key")); errors.Is(err, os.ErrNotExist) {
		if out, err := exec.CommandContext(ctx, issuer, "keys", "vault", "-out", filepath.Join(st, "vault.key")).CombinedOutput(); err != nil {
			return fmt.Errorf("stack: issuer keys vault: %v: %s", err, out)
		}
	}
	// The DS simulator's PKI: the DS CA and the ACS's certificate the
	// issuer presents to it (kept, like the keys).
	if _, err := dssim.MakePKI(s.PKIDir); err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	seed := s.seedArgs()
	out, err := exec.CommandContext(ctx, seed[0], seed[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("stack: issuer demo seed: %v: %s", err, out)
	}
	s.Cards, s.Linked = parseCards(string(out))
	if len(s.Cards) == 0 {
		return fmt.Errorf("stack: issuer demo seed printed no cards: %s", out)
	}
	return nil
}

// seedArgs is the command line of `issuer demo seed`.
func (s *Stack) seedArgs() []string {
	return []string{s.bin("issuer"), "demo", "seed",
		"-db", s.issuerDB(),
		"-pan-key-file", s.state("pan.key"),
		"-vault-key-file", s.state("vault.key"),
		"-api-key-file", s.state(shopAPIKeyFile),
		"-origin", s.ShopURL,
	}
}

// tightenDatabases closes the state folder's own databases to group and
// others: a folder made before the programs refused open databases (a
// `make run` of an older version) would otherwise stop the next one at
// start. The programs themselves never change a file's mode; this folder
// is the stack's.
func tightenDatabases(state string) error {
	files, err := filepath.Glob(filepath.Join(state, "*.db*"))
	if err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	for _, f := range files {
		fi, err := os.Lstat(f)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(f, 0o600); err != nil {
			return fmt.Errorf("stack: %w", err)
		}
	}
	return nil
}

// parseCards reads the "card <number> <method> <email> <locale> [note]",
// "portal <number> <password>" and "linked <number>..." lines that
// `issuer demo seed` prints.
func parseCards(out string) (cards []DemoCard, linked []string) {
	portal := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case (len(f) == 5 || len(f) == 6) && f[0] == "card":
			c := DemoCard{Number: f[1], Method: f[2], Email: f[3], Locale: f[4]}
			if len(f) == 6 {
				c.Note = f[5]
			}
			cards = append(cards, c)
		case len(f) == 3 && f[0] == "portal":
			portal[f[1]] = f[2]
		case len(f) > 2 && f[0] == "linked":
			linked = f[1:]
		}
	}
	for i := range cards {
		cards[i].PortalPassword = portal[cards[i].Number]
	}
	return cards, linked
}

// secretFile returns the hex secret in path, creating it with n random bytes
// when missing.
func secretFile(path string, n int) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	h := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(h+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("stack: %w", err)
	}
	return h, nil
}

// spawn starts one program. Its listen addresses are checked first, so a
// leftover process from another run is named instead of answering in its
// place. An address still taken is given a few seconds to free: a
// restart stops the process it replaces by its group's leader, and a
// child of it may still be closing its socket (workerd under node: a CI
// run found the edge's port taken on restarting it).
func (s *Stack) spawn(name string, listen, args []string) error {
	for _, a := range listen {
		if !freed(a, 5*time.Second) {
			return fmt.Errorf("stack: %s: %s is already in use (is another `make run` going?)", name, a)
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	if name == "edge" && s.cfg.Edge == "workerd" {
		cmd.Env = append(os.Environ(), wranglerEnv...)
	}
	if name == "issuer" || strings.HasPrefix(name, "issuer-") { // issuer-1, -2: Replicas
		// The dev sink's Twilio credentials (bin/mailsink's defaults).
		cmd.Env = append(os.Environ(), "HONNIN_SMS_TWILIO_TOKEN="+devTwilioToken)
		if s.cfg.OperatorEmail != "" {
			cmd.Env = append(cmd.Env, "HONNIN_OPERATOR_EMAIL="+s.cfg.OperatorEmail)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("stack: start %s: %w", name, err)
	}
	p := &proc{name: name, args: args, cmd: cmd, done: make(chan struct{})}
	go prefix(s.cfg.Log, name, pr)
	go func() {
		p.err = cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	s.procs = append(s.procs, p)
	return nil
}

var logMu sync.Mutex

func prefix(w io.Writer, name string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		logMu.Lock()
		fmt.Fprintf(w, "%-8s | %s\n", name, sc.Text())
		logMu.Unlock()
	}
	io.Copy(io.Discard, r)
}

func (s *Stack) waitReady(ctx context.Context, name, url string) error {
	p := s.procs[len(s.procs)-1]
	deadline := time.Now().Add(60 * time.Second)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("stack: %s exited during start-up: %v", name, p.err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("stack: %s not ready at %s after 60 s", name, url)
}

// Stop ends every process, last started first.
func (s *Stack) Stop() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.procs[i].stop()
	}
	s.procs = nil
}

// stop ends one process and its children: SIGTERM, then SIGKILL after five
// seconds.
// freed reports whether nothing accepts connections at addr, waiting up
// to wait for it to stop.
func freed(addr string, wait time.Duration) bool {
	end := time.Now().Add(wait)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return true
		}
		c.Close()
		if time.Now().After(end) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proc) stop() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Pause stops the named process (the e2e tests stop the issuer to show the
// edge does without it); Resume starts it again with the same arguments.
func (s *Stack) Pause(name string) error {
	for _, p := range s.procs {
		if p.name == name {
			p.stop()
			return nil
		}
	}
	return fmt.Errorf("stack: no process %q", name)
}

// Resume restarts a process stopped by Pause and waits until it answers.
func (s *Stack) Resume(ctx context.Context, name, readyURL string) error {
	for i, p := range s.procs {
		if p.name != name {
			continue
		}
		select {
		case <-p.done:
		default:
			return fmt.Errorf("stack: %s is running", name)
		}
		rest := append([]*proc(nil), s.procs[i+1:]...)
		s.procs = s.procs[:i]
		if err := s.spawn(name, nil, p.args); err != nil {
			s.procs = append(s.procs, rest...)
			return err
		}
		err := s.waitReady(ctx, name, readyURL)
		s.procs = append(s.procs, rest...)
		return err
	}
	return fmt.Errorf("stack: no process %q", name)
}

// Exited returns a channel closed when any process ends on its own.
func (s *Stack) Exited() <-chan string {
	ch := make(chan string, len(s.procs))
	for _, p := range s.procs {
		go func() {
			<-p.done
			ch <- p.name
		}()
	}
	return ch
}

// Operator runs an issuer operator command (`issuer token lock ...`)
// against the running stack's database and keys, as an operator would on
// the issuer's host, and returns its combined output.
func (s *Stack) Operator(ctx context.Context, args ...string) ([]byte, error) {
	return s.OperatorEnv(ctx, nil, args...)
}

// OperatorEnv is Operator with more environment: the commands read the
// secrets an operator types (HONNIN_CARD_PASSWORD, HONNIN_PORTAL_PASSWORD)
// from there, never from a flag. The database and key files go in the
// variables every command reads (HONNIN_ISSUER_DB, ...), as on an issuer's
// host, so a command that needs no key takes no key flag.
func (s *Stack) OperatorEnv(ctx context.Context, env []string, args ...string) ([]byte, error) {
	st := s.cfg.State
	cmd := exec.CommandContext(ctx, filepath.Join(s.cfg.Bin, "issuer"), args...)
	cmd.Env = append(os.Environ(),
		"HONNIN_ISSUER_DB="+s.issuerDB(),
		"HONNIN_PAN_KEY_FILE="+filepath.Join(st, "pan.key"),
		"HONNIN_VAULT_KEY_FILE="+filepath.Join(st, "vault.key"))
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("issuer %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return out, nil
}

// Bin is the path of one of the stack's programs (bin/authapp, ...).
func (s *Stack) Bin(name string) string { return filepath.Join(s.cfg.Bin, name) }

// PID is the process id of the running process name ("issuer", "edge",
// "mailsink", ...), or 0 when there is none: the load driver reads each
// one's CPU time from /proc.
func (s *Stack) PID(name string) int {
	for _, p := range s.procs {
		if p.name == name {
			return p.cmd.Process.Pid
		}
	}
	return 0
}
