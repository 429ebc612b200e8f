package shop

import (
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/e2e/chromium"
	"github.com/honnin/honnin/edge/challenge"
	"github.com/honnin/honnin/web"
)

// stubFrame is the edge's challenge page, reduced to posting a result at
// once. The snippet is the real web/honnin.js: what this tests is the shop's
// side of it (pay.js under the shop's CSP, the fetch to /complete, the
// redirect to the order page) against the snippet merchants really load.
var stubFrame = template.Must(template.New("").Parse(`<!doctype html><p>challenge</p>
<script>parent.postMessage({type: "honnin:result", result_token: {{.Token}}, status: {{.Status}}}, {{.Origin}});</script>`))

// fakeEdge serves honnin.js and a stub challenge page that answers every
// session with the result status set by the test.
type fakeEdge struct {
	srv     *httptest.Server
	mu      sync.Mutex
	status  string
	reason  string
	snippet bool
}

func newFakeEdge(t *testing.T, iss *fakeIssuer) *fakeEdge {
	e := &fakeEdge{status: "Y", snippet: true}
	sessions := challenge.Verifier{Keys: challenge.NewKeySet(iss.issuer.Sign.Public()), Issuer: challenge.IssuerName, Audience: challenge.EdgeName}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /honnin.js", func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		ok := e.snippet
		e.mu.Unlock()
		if !ok {
			http.Error(w, "edge down", http.StatusServiceUnavailable)
			return
		}
		b, err := web.Static.ReadFile("honnin.js")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /challenge", func(w http.ResponseWriter, r *http.Request) {
		var sc challenge.SessionClaims
		if err := sessions.Verify(r.URL.Query().Get("st"), challenge.TypSession, &sc); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		e.mu.Lock()
		status, reason := e.status, e.reason
		e.mu.Unlock()
		tok, err := iss.resultFor(sc.MerchantOrigin, sc.Subject, status, reason)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "frame-ancestors "+sc.MerchantOrigin)
		_ = stubFrame.Execute(w, struct{ Token, Status, Origin string }{tok, status, sc.MerchantOrigin})
	})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func TestMain(m *testing.M) {
	code := m.Run()
	chromium.Close() // the Chromium TestBrowserCheckout started, if it ran
	os.Exit(code)
}

func TestBrowserCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := chromium.New(t)
	iss := newFakeIssuer(t)
	edge := newFakeEdge(t, iss)
	// The shop's origin is its test server's, so the result is posted to it.
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	iss.origin = srv.URL
	s, err := New(Config{
		Issuer: iss.srv.URL, APIKey: testAPIKey, Origin: srv.URL, Edge: edge.srv.URL,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = s

	buy := func(t *testing.T) (orderStatus, status, reason string) {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/"),
			chromedp.SendKeys(chromedp.CSS("#card"), cardChallenge),
			chromedp.Click(chromedp.CSS("#pay")),
		)
		if err != nil {
			t.Fatal(err)
		}
		// Wait by asking, not with a context deadline: a cancelled context
		// closes the tab, and the tab is what says where the checkout
		// stopped (pay.js reports in #pay-message). Errors while the page
		// navigates are expected and retried.
		deadline := time.Now().Add(15 * time.Second)
		for {
			found, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("order-status") !== null`))
			if err == nil && found {
				break
			}
			if time.Now().After(deadline) {
				msg, merr := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("pay-message") || document.body).textContent`))
				t.Fatalf("no order page after 15 s; page says %q (%v)", strings.TrimSpace(msg), merr)
			}
			time.Sleep(50 * time.Millisecond)
		}
		text := func(sel string) string {
			t.Helper()
			v, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		return text("#order-status"), text("#status"), text("#reason")
	}
	t.Run("paid", func(t *testing.T) {
		if o, s, r := buy(t); o != "paid" || s != "Y" || r != "" {
			t.Fatalf("order %q status %q reason %q, want paid Y", o, s, r)
		}
	})
	t.Run("max attempts", func(t *testing.T) {
		edge.mu.Lock()
		edge.status, edge.reason = "N", "max_attempts"
		edge.mu.Unlock()
		if o, s, r := buy(t); o != "not paid" || s != "N" || r != "max_attempts" {
			t.Fatalf("order %q status %q reason %q, want not paid N max_attempts", o, s, r)
		}
	})
	t.Run("snippet unavailable", func(t *testing.T) {
		edge.mu.Lock()
		edge.snippet = false
		edge.mu.Unlock()
		err := chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/"),
			chromedp.SendKeys(chromedp.CSS("#card"), cardChallenge),
			chromedp.Click(chromedp.CSS("#pay")),
			chromedp.WaitVisible(chromedp.CSS("#honnin")),
		)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("pay-message").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, "could not be loaded") {
			t.Fatalf("pay-message = %q", msg)
		}
	})
}
