package chromium

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/edge/testenv"
)

// Profile says how Launch starts a Chromium of a test's own. The shared
// Chromium (New) gives each test a fresh incognito-like browser context,
// which is right for most tests and wrong for the few that are about
// what a browser keeps and what it lets a third-party frame keep: a
// cardholder's profile that lives across browser restarts, privacy
// settings that block third-party storage, and a browser launched as
// automation tools launch it.
type Profile struct {
	// Dir is the profile folder (Chromium's user-data-dir): what the
	// browser keeps (cookies, storage, cache) is there when a later Launch
	// with the same Dir starts. "" is a fresh folder, removed at Stop.
	Dir string
	// BlockThirdParty blocks a cross-site frame's cookies and storage as
	// Chromium did before it partitioned storage (and as privacy tools
	// and Safari's tracking prevention still do): "Block third-party
	// cookies" in the profile's preferences, and storage partitioning off,
	// so the frame's localStorage throws ("Access is denied for this
	// document"); only partitioned cookies (CHIPS) are kept. Off, this
	// Chromium keeps no third-party cookie but partitioned ones either, and
	// gives the frame the top-level site's partition of its storage.
	// TestThirdPartyFrameStorage proves both.
	BlockThirdParty bool
	// Automation launches with chromedp's default command line, as a
	// merchant's own checkout tests do when they ask for nothing
	// (enable-automation, headless): navigator.webdriver is true and the
	// user agent says HeadlessChrome.
	Automation bool
}

// blockThirdPartyPrefs turn "Block third-party cookies" on:
// cookie_controls_mode 1 is the privacy page's setting in this Chromium
// (0 lets a frame keep third-party cookies); block_third_party_cookies is
// the older preference it replaced, for an older Chromium.
var blockThirdPartyPrefs = map[string]any{
	"profile": map[string]any{
		"cookie_controls_mode":      1,
		"block_third_party_cookies": true,
	},
}

// noPartitioning turns storage partitioning off: with third-party
// cookies blocked, a cross-site frame then gets no storage at all.
const noPartitioning = "ThirdPartyStoragePartitioning"

// Browser is a Chromium a test launched with a Profile of its own.
type Browser struct {
	root    context.Context // the first tab's: the process lives as long as it
	cancel  func()
	dir     string
	removes bool // Dir was made by Launch, and goes at Stop
	stopped bool
}

// Launch starts Chromium with p for t, stopped (gracefully, so the profile
// is written to disk) when t ends unless Stop came first. Without Chromium,
// t skips (fails under CI=true).
func Launch(t testing.TB, p Profile) *Browser {
	t.Helper()
	path, err := find()
	if err != nil {
		testenv.Need(t, "Chromium", err)
	}
	b := &Browser{dir: p.Dir}
	if b.dir == "" {
		if b.dir, err = os.MkdirTemp("", "honnin-chromium-"); err != nil {
			t.Fatal(err)
		}
		b.removes = true
	}
	if p.BlockThirdParty {
		if err := mergePreferences(b.dir, blockThirdPartyPrefs); err != nil {
			t.Fatal(err)
		}
	}
	var disable []string
	if p.BlockThirdParty {
		disable = append(disable, noPartitioning)
	}
	opts := options(path, b.dir, disable...)
	if p.Automation {
		opts = automationOptions(path, b.dir, disable...)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(actx)
	b.root = root
	b.cancel = func() { cancelRoot(); cancelAlloc() }
	watchdog := time.AfterFunc(startTimeout, cancelRoot)
	err = chromedp.Do(root)
	watchdog.Stop()
	if err != nil {
		b.cancel()
		if b.removes {
			os.RemoveAll(b.dir)
		}
		t.Fatalf("chromium: start %s with profile %s: %v", path, b.dir, err)
	}
	t.Cleanup(func() {
		if err := b.Stop(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// Tab returns the context of a new tab for t in the profile's own browser
// context (the one a person's windows share, kept in Dir), valid for
// Timeout. Its console errors are logged if t fails.
func (b *Browser) Tab(t testing.TB) context.Context {
	t.Helper()
	if b.stopped {
		t.Fatal("chromium: a tab on a stopped browser")
	}
	return newTab(t, b.root)
}

// Stop closes the browser as a person does (Browser.close), so that it
// writes its cookies and storage to the profile folder, and waits for the
// process to end; a fresh folder is removed. A second Stop does nothing.
func (b *Browser) Stop() error {
	if b.stopped {
		return nil
	}
	b.stopped = true
	ctx, cancel := context.WithTimeout(b.root, 30*time.Second)
	defer cancel()
	err := chromedp.Cancel(ctx)
	b.cancel()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	if b.removes {
		os.RemoveAll(b.dir)
	}
	if err != nil {
		return fmt.Errorf("chromium: stop: %w", err)
	}
	return nil
}

// mergePreferences writes prefs into dir's Default/Preferences (made if
// missing), keeping what is there: Chromium reads the file at start.
func mergePreferences(dir string, prefs map[string]any) error {
	file := filepath.Join(dir, "Default", "Preferences")
	cur := map[string]any{}
	b, err := os.ReadFile(file)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &cur); err != nil {
			return fmt.Errorf("chromium: %s: %w", file, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("chromium: %w", err)
	}
	merge(cur, prefs)
	if b, err = json.Marshal(cur); err != nil {
		return fmt.Errorf("chromium: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("chromium: %w", err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return fmt.Errorf("chromium: %w", err)
	}
	return nil
}

// merge sets src's leaves in dst, descending into objects both have.
func merge(dst, src map[string]any) {
	for k, v := range src {
		sv, ok := v.(map[string]any)
		dv, ok2 := dst[k].(map[string]any)
		if ok && ok2 {
			merge(dv, sv)
			continue
		}
		dst[k] = v
	}
}
