package chromium

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// frameServer serves, on one loopback port, a top-level page that frames
// a page given by URL (/top?frame=...) and the framed page (/frame),
// which tries the storage a third-party frame may have: localStorage, an
// ordinary cookie and a partitioned one (CHIPS), and posts what it found
// to the top page, which shows it in its title. The same server reached
// as 127.0.0.1 and as localhost is two sites.
func frameServer(t *testing.T) (ip, host string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/top", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><title></title>
<script>addEventListener("message", e => { document.title = e.data; });</script>
<iframe src="%s"></iframe>`, strings.ReplaceAll(r.URL.Query().Get("frame"), `"`, ""))
	})
	mux.HandleFunc("/frame", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><title>frame</title><script>`+storageProbe+`
if (parent !== window) parent.postMessage(probe(), "*");
</script>`)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	return fmt.Sprintf("http://127.0.0.1:%d", port), fmt.Sprintf("http://localhost:%d", port)
}

// storageProbe defines probe(): what the document finds of an earlier
// visit, then stores for the next one. It returns
// "ls=<value>|<throws:Name>; cookies=<document.cookie>".
const storageProbe = `function probe() {
  let ls;
  try { ls = String(localStorage.getItem("probe")); localStorage.setItem("probe", "kept"); }
  catch (e) { ls = "throws:" + e.name; }
  const seen = document.cookie;
  document.cookie = "plain=kept; Max-Age=3600; Path=/; SameSite=None; Secure";
  document.cookie = "chips=kept; Max-Age=3600; Path=/; SameSite=None; Secure; Partitioned";
  return "ls=" + ls + "; cookies=" + seen;
}`

// framed loads top's page framing frame's /frame in ctx and returns what
// the frame's probe found.
func framed(t *testing.T, ctx context.Context, top, frame string) string {
	t.Helper()
	u := top + "/top?frame=" + url.QueryEscape(frame+"/frame")
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatal(err)
	}
	return waitTitle(t, ctx)
}

// firstParty loads the probe's page at origin as the top-level page and
// returns what it found.
func firstParty(t *testing.T, ctx context.Context, origin string) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/frame")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](storageProbe+"; probe()"))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func waitTitle(t *testing.T, ctx context.Context) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		title, err := chromedp.Run(ctx, chromedp.Title())
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(title, "ls=") {
			return title
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the frame posted nothing in 10 s")
	return ""
}

// TestThirdPartyFrameStorage: what a frame on another site (localhost,
// under a page on 127.0.0.1) may keep, in Chromium's default profile and
// with "Block third-party cookies" on, and that a profile folder keeps it
// across browser launches. This is what the e2e suite's device tests
// stand on: the challenge iframe on the edge is such a frame.
func TestThirdPartyFrameStorage(t *testing.T) {
	shop, edge := frameServer(t)
	t.Run("partitioned", func(t *testing.T) {
		dir := t.TempDir()
		b := Launch(t, Profile{Dir: dir})
		ctx := b.Tab(t)
		if got := framed(t, ctx, shop, edge); got != "ls=null; cookies=" {
			t.Fatalf("first visit: the frame found %q, want nothing", got)
		}
		const kept = "ls=kept; cookies=chips=kept"
		if got := framed(t, ctx, shop, edge); got != kept {
			t.Fatalf("second visit: the frame found %q, want %q", got, kept)
		}
		// Only the partitioned cookie was kept, and the frame's storage is
		// the top-level site's partition: the frame's origin as a
		// top-level page (first party) sees neither.
		if got := firstParty(t, ctx, edge); got != "ls=null; cookies=" {
			t.Errorf("the frame's origin as a top-level page found %q, want nothing of the frame's", got)
		}
		// The profile folder keeps the partition across a restart.
		if err := b.Stop(); err != nil {
			t.Fatal(err)
		}
		again := Launch(t, Profile{Dir: dir})
		if got := framed(t, again.Tab(t), shop, edge); got != kept {
			t.Errorf("after a restart with the same profile the frame found %q, want %q", got, kept)
		}
	})
	t.Run("blocked", func(t *testing.T) {
		dir := t.TempDir()
		b := Launch(t, Profile{Dir: dir, BlockThirdParty: true})
		ctx := b.Tab(t)
		if got := framed(t, ctx, shop, edge); got != "ls=throws:SecurityError; cookies=" {
			t.Fatalf("first visit: the frame found %q, want localStorage to throw", got)
		}
		// Only the partitioned cookie is kept (CHIPS): the device cookie's
		// way through.
		const kept = "ls=throws:SecurityError; cookies=chips=kept"
		if got := framed(t, ctx, shop, edge); got != kept {
			t.Fatalf("second visit: the frame found %q, want %q", got, kept)
		}
		// The same pages as first party are not blocked.
		if got := firstParty(t, ctx, edge); got != "ls=null; cookies=" {
			t.Errorf("the frame's origin as a top-level page found %q, want working, empty storage", got)
		}
		if err := b.Stop(); err != nil {
			t.Fatal(err)
		}
		again := Launch(t, Profile{Dir: dir, BlockThirdParty: true})
		if got := framed(t, again.Tab(t), shop, edge); got != kept {
			t.Errorf("after a restart with the same profile the frame found %q, want %q", got, kept)
		}
	})
}

// TestAutomation: a browser launched with chromedp's defaults says it is
// automated (navigator.webdriver) and headless (its user agent), as a
// merchant's checkout tests' browser does.
func TestAutomation(t *testing.T) {
	ctx := Launch(t, Profile{Automation: true}).Tab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.webdriver + " " + navigator.userAgent`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "true ") || !strings.Contains(got, "HeadlessChrome/") {
		t.Errorf("navigator.webdriver and user agent %q, want true and HeadlessChrome", got)
	}
}
