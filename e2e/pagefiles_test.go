package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/honnin/honnin/e2e/chromium"
)

// pageFileLoads is how many fresh browser contexts TestPageFilesLoadEveryTime
// sends: on a busy machine about one load in ten stalled under `wrangler
// dev` (rarely on an idle one), and every e2e run loads the page some
// twenty times more besides.
const pageFileLoads = 12

// TestPageFilesLoadEveryTime loads the challenge page's files again and
// again, each time in a fresh browser context (its own connections and
// cache), the way the page does: the wasm preloaded while the stylesheet
// and the two scripts load, then fetched by the loader. Every load must
// finish. This is the pattern
// on which `wrangler dev`'s proxy now and then left a file unanswered
// forever; edge/dev.mjs serves the worker without that proxy.
func TestPageFilesLoadEveryTime(t *testing.T) {
	files := pageFiles(t)
	inject, err := json.Marshal(files)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pageFileLoads {
		// A subtest per load: its browser context, with its connections,
		// is closed (as at the end of every e2e test) before the next one
		// starts.
		if !t.Run(fmt.Sprintf("load %d", i+1), func(t *testing.T) { loadPageFiles(t, files, string(inject)) }) {
			break
		}
	}
}

// loadPageFiles loads the files once in a fresh browser context, as the
// challenge page does.
func loadPageFiles(t *testing.T, files challengeFiles, inject string) {
	ctx := newBrowser(t)
	// Any page of the edge's origin will do: the files are same-origin
	// there, as on the challenge page.
	do(t, ctx, chromedp.Navigate(sys.EdgeURL+"/healthz"))
	do(t, ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const f = %s;
		const add = (tag, props, attrs) => {
			const e = document.createElement(tag);
			Object.assign(e, props);
			for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
			document.head.appendChild(e);
		};
		add("link", {rel: "preload", href: f.wasm, as: "fetch", type: "application/wasm", crossOrigin: "anonymous"});
		add("link", {rel: "stylesheet", href: f.css});
		add("script", {src: f.wasmExec, async: false});
		add("script", {src: f.loader, async: false}, {"data-wasm": f.wasm});
	})()`, inject)))
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := chromedp.Run(wctx, chromedp.Poll[bool](fmt.Sprintf(`(() => {
		const f = %s;
		const done = performance.getEntriesByType("resource").filter((e) => e.responseEnd > 0).map((e) => new URL(e.name).pathname);
		return [f.wasm, f.css, f.wasmExec, f.loader].every((p) => done.includes(p));
	})()`, inject)))
	if err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`performance.getEntriesByType("resource").filter((e) => e.responseEnd > 0).map((e) => new URL(e.name).pathname)`))
		t.Fatalf("the page's files did not all arrive within 30 s (%v); finished: %v of %+v", err, got, files)
	}
}

// challengeFiles are the paths of the challenge page's files.
type challengeFiles struct {
	Wasm     string `json:"wasm"`
	CSS      string `json:"css"`
	WasmExec string `json:"wasmExec"`
	Loader   string `json:"loader"`
}

// pageFiles reads the file names from a real challenge page: they are
// content-hashed, and the edge names them.
func pageFiles(t *testing.T) challengeFiles {
	t.Helper()
	c := startCheckout(t, newCard(t, "email", enrolOpts{}))
	var f challengeFiles
	for sel, dst := range map[string]*string{
		`link[rel="preload"]`:    &f.Wasm,
		`link[rel="stylesheet"]`: &f.CSS,
		`script[data-wasm]`:      &f.Loader,
	} {
		nodes, err := chromedp.Run(c.ctx, chromedp.Nodes(chromedp.CSS(sel), c.in))
		if err != nil || len(nodes) != 1 {
			t.Fatalf("challenge page: %s: %d nodes, %v", sel, len(nodes), err)
		}
		*dst = nodes[0].AttributeValue("href")
		if *dst == "" {
			*dst = nodes[0].AttributeValue("src")
		}
	}
	nodes, err := chromedp.Run(c.ctx, chromedp.Nodes(chromedp.CSS(`script[src]:not([data-wasm])`), c.in))
	if err != nil || len(nodes) != 1 {
		t.Fatalf("challenge page: wasm_exec script: %d nodes, %v", len(nodes), err)
	}
	f.WasmExec = nodes[0].AttributeValue("src")
	return f
}

// TestFirstPaintWithoutTheClient: the challenge page shows the purchase
// (merchant, amount, card) as HTML before the client has run (issue 16):
// with the wasm and the loader blocked, nothing but the edge's page is
// there, and it is written in the language the client would pick from
// navigator.languages (the browser's first), so the client's take-over
// changes no word and no figure.
func TestFirstPaintWithoutTheClient(t *testing.T) {
	for _, tt := range []struct {
		name      string
		languages []string // "": Chromium's default, en-US
		lang      string
		amount    string
		merchant  string // the label
	}{
		{"English browser", nil, "en", "¥1,250", "Merchant"},
		// The card is English; the browser's language wins, as in the client.
		{"Japanese browser", []string{"ja-JP", "ja"}, "ja", "1,250円", "ご利用店舗"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			card := newCard(t, "email", enrolOpts{Locale: "en"})
			_, session := createAuthentication(t, card.Number)
			ctx := newBrowser(t)
			if tt.languages != nil {
				chromium.Languages(t, ctx, tt.languages...)
			}
			if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{
				{URLPattern: "*://*:*/assets/*.wasm", Block: true},
				{URLPattern: "*://*:*/assets/loader.*.js", Block: true},
			}}); err != nil {
				t.Fatal(err)
			}
			do(t, ctx, chromedp.Navigate(sys.EdgeURL+"/challenge?st="+url.QueryEscape(session)))
			got := eval[map[string]string](t, ctx, `(() => {
				const shown = (e) => !!e && e.getBoundingClientRect().height > 0 && getComputedStyle(e).visibility === "visible";
				const cell = (c) => { const e = document.querySelector("#skeleton dd." + c); return shown(e) ? e.textContent : "(not shown)"; };
				const dt = document.querySelector("#skeleton dl.txn dt");
				return {lang: document.documentElement.lang, merchant: cell("merchant"), amount: cell("amount"),
					last4: cell("last4"), label: dt ? dt.textContent : "", client: String(!!document.getElementById("app"))};
			})()`)
			want := map[string]string{"lang": tt.lang, "merchant": "Demo Shop", "amount": tt.amount,
				"last4": "**** " + card.Number[len(card.Number)-4:], "label": tt.merchant, "client": "false"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the page before the client ran:\n got %v\nwant %v", got, want)
			}
		})
	}
}
