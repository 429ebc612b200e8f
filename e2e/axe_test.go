package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/edge/testenv"
)

// The accessibility checks run axe-core (e2e/package.json, installed by
// `make e2e-node` from the committed lockfile) inside the pages under
// test: the challenge in its iframe and each portal page. axe reports
// only what its rules can decide from the page (about half of WCAG's
// success criteria); the rest stays with the native tests
// (issuer/portal's a11y and contrast tests, wasm/view) and with people.

// axeFile is axe-core's browser build, from the folder of this package.
const axeFile = "node_modules/axe-core/axe.min.js"

// axeTags are the axe rule tags the checks run: WCAG 2.0, 2.1 and 2.2
// level A and AA. Best practices and AAA are not asked for.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

var axeSrc = sync.OnceValues(func() ([]byte, error) { return os.ReadFile(axeFile) })

// axeViolation is one failed axe rule on a page, with the elements it
// failed on.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeRun is the function axe runs in: it defines axe in the page the
// first time (the declaration is compiled by DevTools, so the page's
// Content-Security-Policy does not stop it) and runs the tags' rules on
// the whole document.
const axeRun = `async function(tags) {
	if (!window.axe) {
%s
	}
	const r = await window.axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
	return r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
		nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""}))}));
}`

// checkAxe runs axe in the document of ctx's page, or of the frame that
// in reaches (c.in), fails t with each violation (rule, impact, the
// elements, what to fix), and returns how many rules failed.
func checkAxe(t *testing.T, ctx context.Context, page string, in ...chromedp.QueryOption) int {
	t.Helper()
	vs, err := axeViolations(t, ctx, in...)
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range vs {
		var b strings.Builder
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n\t\t%s: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " "))
		}
		t.Errorf("axe on %s: %s (%s): %s%s", page, v.ID, v.Impact, v.Help, b.String())
	}
	return len(vs)
}

// axeViolations runs axe as checkAxe does and returns what failed.
func axeViolations(t *testing.T, ctx context.Context, in ...chromedp.QueryOption) ([]axeViolation, error) {
	t.Helper()
	src, err := axeSrc()
	testenv.Need(t, "axe-core in e2e/node_modules (make e2e-node)", err)
	// Most calls find axe defined already: only the first in a document
	// carries its 650 KB.
	run := fmt.Sprintf(axeRun, "throw new Error('axe went away')")
	has, err := frameCall[bool](ctx, `function() { return !!window.axe }`, in)
	if err != nil {
		return nil, err
	}
	if !has {
		run = fmt.Sprintf(axeRun, src)
	}
	return frameCall[[]axeViolation](ctx, run, in, axeTags)
}

// TestAxeFindsViolations: the check sees what it is for, in a page and in
// a cross-origin frame of it: an image without a text alternative, a
// field without a label, and grey on white at 2.3:1.
func TestAxeFindsViolations(t *testing.T) {
	ctx := newBrowser(t)
	const bad = `<!doctype html><html lang="en"><title>t</title><main><img src="x.png">` +
		`<input id="f"><p style="color:#aaa;background:#fff">grey</p></main></html>`
	want := []string{"color-contrast", "image-alt", "label"}
	// The page on 127.0.0.1, its frame on localhost: another site, as the
	// challenge's frame is to the shop.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/framed" {
			frame := strings.Replace(srvURL(r), "127.0.0.1", "localhost", 1) + "/bad"
			fmt.Fprintf(w, `<!doctype html><html lang="en"><title>f</title><iframe title="f" src="%s"></iframe></html>`, frame)
			return
		}
		io.WriteString(w, bad)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name string
		path string
		in   func(t *testing.T) []chromedp.QueryOption
	}{
		{"page", "/bad", func(*testing.T) []chromedp.QueryOption { return nil }},
		{"frame", "/framed", func(t *testing.T) []chromedp.QueryOption {
			var n *chromedp.Node
			waitFor(t, "the frame's document", 10*time.Second, func() bool {
				nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe")))
				if err != nil || len(nodes) == 0 || nodes[0].ContentDocument == nil ||
					!strings.HasSuffix(nodes[0].ContentDocument.DocumentURL, "/bad") {
					return false
				}
				n = nodes[0]
				return true
			})
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS("img"), chromedp.FromNode(n)))
			return []chromedp.QueryOption{chromedp.FromNode(n)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(srv.URL+tc.path))
			vs, err := axeViolations(t, ctx, tc.in(t)...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("axe found %q, want %q", got, want)
			}
		})
	}
}

// frameCall calls the JavaScript function fn with args in the document
// of ctx's page, or of the frame in reaches, and decodes its result (a
// promise is awaited). It runs in that frame's own context, with its
// window and document: the challenge's frame is another site, whose
// window the shop's page may not touch.
func frameCall[T any](ctx context.Context, fn string, in []chromedp.QueryOption, args ...any) (T, error) {
	return chromedp.Run(ctx, chromedp.QueryAfter(chromedp.CSS("html"),
		func(ctx context.Context, tg *chromedp.Target, nodes []*chromedp.Node) (T, error) {
			var zero T
			r, err := cdp.Call(ctx, tg, dom.ResolveNode, dom.ResolveNodeParams{NodeID: nodes[0].NodeID})
			if err != nil {
				return zero, fmt.Errorf("resolve the document: %w", err)
			}
			defer cdp.Call(ctx, tg, runtime.ReleaseObject, runtime.ReleaseObjectParams{ObjectID: r.Object.ObjectID})
			return chromedp.CallFunctionOn[T](fn, func(p *runtime.CallFunctionOnParams) {
				p.ObjectID = r.Object.ObjectID
				p.AwaitPromise = new(true)
			}, args...)(ctx, tg)
		}, in...))
}

// srvURL is the scheme and host r was sent to.
func srvURL(r *http.Request) string { return "http://" + r.Host }
