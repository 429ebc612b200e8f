package chromium

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Close()
	os.Exit(code)
}

// TestEachTestHasItsOwnProfile: what one test's page stores (a cookie,
// local storage) is there for that test's tab after a reload, and not for
// the next test's tab on the same origin, in the same Chromium.
func TestEachTestHasItsOwnProfile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>profile</title>"))
	}))
	t.Cleanup(srv.Close)
	const store = `document.cookie = "seen=1; path=/"; localStorage.setItem("seen", "1"); "stored"`
	const stored = `document.cookie + "|" + localStorage.getItem("seen")`
	visit := func(t *testing.T, ctx context.Context, js string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	var first *process
	t.Run("first", func(t *testing.T) {
		ctx := New(t)
		visit(t, ctx, store)
		if got := visit(t, ctx, stored); got != "seen=1|1" {
			t.Errorf("the test's own tab sees %q after a reload, want its cookie and storage", got)
		}
		first = current()
	})
	t.Run("second", func(t *testing.T) {
		if got := visit(t, New(t), stored); got != "|null" {
			t.Errorf("the next test's tab sees %q, want nothing stored", got)
		}
		if current() != first {
			t.Errorf("the second test started a Chromium of its own")
		}
	})
}

// TestNewAfterACrash: when Chromium dies, the next test gets a new one.
func TestNewAfterACrash(t *testing.T) {
	var dead *process
	t.Run("crash", func(t *testing.T) {
		New(t)
		dead = current()
		if err := chromedp.FromContext(dead.root).Browser.Process().Kill(); err != nil {
			t.Fatal(err)
		}
		<-dead.root.Done() // the connection is lost
	})
	t.Run("next", func(t *testing.T) {
		ctx := New(t)
		if current() == dead {
			t.Fatal("the next test got the dead Chromium")
		}
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
	})
}

// current is the running process, read as New reads it.
func current() *process {
	mu.Lock()
	defer mu.Unlock()
	return running
}

// TestLanguages: a tab given languages sends them as Accept-Language (with
// Chromium's q-values), in its page and its frames, and its scripts read
// them in
// navigator.languages; a tab given none, in the same Chromium, speaks
// en-US, the suite's default.
func TestLanguages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		al := html.EscapeString(r.Header.Get("Accept-Language"))
		if r.URL.Path == "/frame" {
			fmt.Fprintf(w, "<!doctype html><p id=al>%s</p>", al)
			return
		}
		fmt.Fprintf(w, `<!doctype html><p id=al>%s</p><iframe id=f src="/frame"></iframe>`, al)
	}))
	t.Cleanup(srv.Close)
	// seen is what the page and its frame received, and what the page's
	// script reads.
	seen := func(t *testing.T, ctx context.Context) (page, frame, script string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS("#al"))); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`new Promise(done => {
			const f = document.getElementById("f");
			const read = () => done([document.getElementById("al").textContent,
				f.contentDocument.getElementById("al").textContent, navigator.languages.join(",")]);
			f.contentDocument && f.contentDocument.getElementById("al") ? read() : f.addEventListener("load", read);
		})`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return got[0], got[1], got[2]
	}

	t.Run("Japanese", func(t *testing.T) {
		ctx := New(t)
		Languages(t, ctx, "ja-JP", "ja", "en")
		page, frame, script := seen(t, ctx)
		const ja = "ja-JP,ja;q=0.9,en;q=0.8"
		if page != ja || frame != ja {
			t.Errorf("Accept-Language: page %q, frame %q; want %q", page, frame, ja)
		}
		if script != "ja-JP,ja,en" {
			t.Errorf("navigator.languages = %q, want ja-JP,ja,en", script)
		}
	})
	t.Run("default", func(t *testing.T) {
		page, frame, script := seen(t, New(t))
		t.Logf("default: %q %q %q", page, frame, script)
		for _, got := range []string{page, frame, script} {
			if !strings.HasPrefix(got, "en-US") {
				t.Errorf("page %q, frame %q, navigator.languages %q: want en-US first", page, frame, script)
				break
			}
		}
	})
}
