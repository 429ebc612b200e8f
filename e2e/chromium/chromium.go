// Package chromium is the tests' browser: one headless Chromium per test
// binary, started by the first test that asks for it and stopped by Close
// (from TestMain), and for each test a browser context of its own — an
// incognito-like profile with its own cookies, storage, cache and
// connections — in a window of its own. Starting Chromium takes about a
// second; a browser context takes milliseconds and shares nothing with the
// tests before it, so no test depends on which ran first.
//
// The e2e suite (package e2e) and the demo shop's browser test
// (web/shop) both use it.
package chromium

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/edge/testenv"
)

// Timeout bounds one test's browser work: a page that never shows what the
// test waits for fails the test instead of hanging until go test's own
// timeout.
const Timeout = 90 * time.Second

// startTimeout bounds the start of the process.
const startTimeout = time.Minute

// names are the names Chromium goes by on PATH, in the order find tries
// them: Debian's first, which `make deps` installs.
var names = []string{"chromium", "chromium-browser", "google-chrome"}

// find returns the path of Chromium.
func find() (string, error) {
	var errs []error
	for _, name := range names {
		p, err := exec.LookPath(name)
		if err == nil {
			return p, nil
		}
		errs = append(errs, err)
	}
	return "", fmt.Errorf("%w (install it with: sudo apt-get install -y chromium)", errors.Join(errs...))
}

// options is the command line. On this closed network Chromium stalls at
// start without the background-networking ones (the component updater,
// sync and QUIC probes wait for hosts they cannot reach). The profile
// folder is a fresh one, or one a test keeps across launches (Launch):
// nothing of a person's own Chromium is in it. disable lists more features
// to turn off (Profile.BlockThirdParty's).
//
// Site isolation is off: the shop and the edge are different sites, so
// with it on the challenge iframe runs in a process (a target) of its own,
// which the page's DOM does not reach, and chromedp's FromNode — what
// every test uses to type into the challenge — finds nothing in it. What a
// frame may store (cookies, partitioned storage) does not depend on the
// process it runs in: TestThirdPartyFrameStorage proves it with these
// same flags.
func options(path, profile string, disable ...string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", strings.Join(append([]string{"SitePerProcess", "IsolateOrigins"}, disable...), ",")),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1024, 900),
	}
}

// automationOptions is the command line a merchant's own checkout tests
// get from chromedp when they ask for nothing: chromedp's defaults
// (enable-automation among them; headless, so the user agent says
// HeadlessChrome), with what this closed network and the tests need
// (options). A flag given twice keeps its last value, so disable-features
// repeats chromedp's list (DefaultExecAllocatorOptions').
func automationOptions(path, profile string, disable ...string) []chromedp.ExecAllocatorOption {
	disable = append([]string{"Translate", "BlinkGenPropertyTrees"}, disable...)
	return append(chromedp.DefaultExecAllocatorOptions[:], options(path, profile, disable...)...)
}

// process is the running Chromium.
type process struct {
	// root is the context of the browser's first tab: the process lives
	// as long as it does. Each test's context is a child of it.
	root context.Context
	stop func()
}

var (
	mu      sync.Mutex
	running *process // nil before the first New, after Close, and after a crash
)

// start starts Chromium with a fresh profile folder.
func start() (*process, error) {
	path, err := find()
	if err != nil {
		return nil, err
	}
	profile, err := os.MkdirTemp("", "honnin-chromium-")
	if err != nil {
		return nil, fmt.Errorf("chromium: %w", err)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), options(path, profile)...)
	root, cancelRoot := chromedp.NewContext(actx)
	stop := func() {
		cancelRoot()
		cancelAlloc()
		os.RemoveAll(profile)
	}
	// The first Run starts the process and binds it to the context it
	// gets, so that context can have no deadline: a watchdog ends a start
	// that hangs.
	watchdog := time.AfterFunc(startTimeout, cancelRoot)
	err = chromedp.Do(root)
	watchdog.Stop()
	if err != nil {
		stop()
		return nil, fmt.Errorf("chromium: start %s: %w", path, err)
	}
	return &process{root: root, stop: stop}, nil
}

// shared returns the running Chromium's root context, starting it if none
// runs (or the last one died).
func shared() (context.Context, error) {
	mu.Lock()
	defer mu.Unlock()
	if running != nil && running.root.Err() != nil {
		running.stop()
		running = nil
	}
	if running == nil {
		p, err := start()
		if err != nil {
			return nil, err
		}
		running = p
	}
	return running.root, nil
}

// New returns the context of a new tab for t, in a browser context of its
// own on the test binary's Chromium (started now if it is not running),
// valid for Timeout. Without Chromium, t skips (fails under CI=true). The
// tab and its browser context are closed when t ends; if t failed, the
// errors the page wrote to its console and its uncaught exceptions are
// logged first.
func New(t testing.TB) context.Context {
	t.Helper()
	root, err := shared()
	if errors.Is(err, exec.ErrNotFound) {
		testenv.Need(t, "Chromium", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return newTab(t, root, chromedp.WithNewBrowserContext())
}

// newTab opens a tab on the browser of root (in the browser context opts
// say), for t, as New describes.
func newTab(t testing.TB, root context.Context, opts ...chromedp.ContextOption) context.Context {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(root, opts...)
	t.Cleanup(cancelTab)
	// The tab lives as long as the context of its first Run: this one,
	// with the deadline.
	ctx, cancelTime := context.WithTimeout(tab, Timeout)
	if err := chromedp.Do(ctx); err != nil {
		cancelTime()
		t.Fatalf("chromium: open a tab: %v", err)
	}
	errs := consoleErrors(ctx)
	t.Cleanup(func() {
		if t.Failed() {
			if s := errs(); s != "" {
				t.Logf("the page's console errors and uncaught exceptions:\n%s", s)
			}
		}
	})
	t.Cleanup(cancelTime)
	return ctx
}

// maxConsole is how many console lines a failed test logs.
const maxConsole = 50

// consoleErrors collects, from now on, the errors and uncaught exceptions
// of ctx's tab (its pages and same-site frames) and returns what reads
// them.
func consoleErrors(ctx context.Context) func() string {
	var (
		mu    sync.Mutex
		lines []string
	)
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return // the tab is closed
			}
			if m.Type != chromedp.ConsoleError && !m.IsException() {
				continue
			}
			line := "  " + m.String()
			if m.URL != "" {
				line += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
			}
			mu.Lock()
			if len(lines) < maxConsole {
				lines = append(lines, line)
			}
			mu.Unlock()
		}
	}()
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(lines, "\n")
	}
}

// Close stops Chromium, if it runs, and removes its profile folder. The
// test binary's TestMain calls it after m.Run.
func Close() {
	mu.Lock()
	defer mu.Unlock()
	if running != nil {
		running.stop()
		running = nil
	}
}
