package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/honnin/honnin/e2e/chromium"
	"github.com/honnin/honnin/e2e/stack"
	"github.com/honnin/honnin/edge/testenv"
)

// testPorts keep the suite clear of a `make run` on the default ports.
// HONNIN_E2E_PORT_OFFSET moves them all, so two checkouts can run the
// suite at once.
var testPorts = stack.Ports{Shop: 18080, Issuer: 18081, Edge: 18787, SMTP: 11025, Inbox: 18025,
	ACS: 18443, DS: 19443, Requestor: 18088}

func init() {
	if off, err := strconv.Atoi(os.Getenv("HONNIN_E2E_PORT_OFFSET")); err == nil {
		testPorts = testPorts.Shift(off)
	}
}

// e2eRiskConfig is the issuer's risk configuration under test: the default
// with what headless Chromium and a one-machine suite cannot pass relaxed,
// and said so in its "note": webdriver and headless_browser weigh 0
// (navigator.webdriver is true, the UA says HeadlessChrome; no rule uses the
// 800×600 screen), and the per-IP velocity limit is 1000 (every test comes
// from 127.0.0.1). The rules on a card's history keep their defaults: each
// test pays with a card of its own (cards_test.go). The attack tests, and
// TestDenyWithoutScreen, run on a second stack with the default rules
// (attack_stack_test.go).
const e2eRiskConfig = "testdata/risk.json"

// countryHeader is the header the e2e edge believes from loopback (and
// only there) as the client's country, so a test can come from abroad.
const countryHeader = "X-Honnin-Test-Country"

// operatorEmail is where the suite's issuer mails its operator's notices
// (the dev mail sink keeps them).
const operatorEmail = "risk-desk@issuer.example"

// sys is the running stack shared by the tests; nil when it could not start.
var (
	sys      *stack.Stack
	stateDir string
	skipWhy  string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bin, dist := os.Getenv("HONNIN_BIN"), os.Getenv("HONNIN_DIST")
	if bin == "" || dist == "" {
		skipWhy = "HONNIN_BIN and HONNIN_DIST are not set (run through `make test`)"
		return m.Run()
	}
	var err error
	stateDir, err = os.MkdirTemp("", "honnin-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(stateDir)
	logf, err := os.Create(filepath.Join(artifacts(), "stack-"+edgeRuntime()+".log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer logf.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	riskConfig, err := filepath.Abs(e2eRiskConfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sys, err = stack.Start(ctx, stack.Config{Bin: bin, Dist: dist, State: stateDir, Ports: testPorts, Log: logf,
		Edge: edgeRuntime(), EdgeDir: filepath.Join("..", "edge"),
		RiskConfig: riskConfig, CountryHeader: countryHeader, OperatorEmail: operatorEmail})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start stack:", err)
		return 1
	}
	defer sys.Stop()
	defer stopAttackStack() // the attack tests' own stack, if one started it
	defer stopFaultStack()  // the fault tests' own stack, if one started it
	defer chromium.Close()  // the tests' Chromium, if one started it
	return m.Run()
}

// edgeRuntime is where the suite runs the edge: HONNIN_E2E_EDGE, "native"
// (the default) or "workerd". make test runs the suite once with each.
func edgeRuntime() string {
	if e := os.Getenv("HONNIN_E2E_EDGE"); e != "" {
		return e
	}
	return "native"
}

// needStack skips (or, under CI, fails) a test when the stack is not running.
func needStack(t *testing.T) *stack.Stack {
	t.Helper()
	if sys == nil {
		testenv.Need(t, "the e2e stack", errors.New(skipWhy))
	}
	return sys
}

// artifacts is where screenshots and logs go (gitignored).
func artifacts() string {
	dir := "artifacts"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	return dir
}
