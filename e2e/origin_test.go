package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
)

// createAuthentication asks the issuer for an authentication as the demo
// shop's server does, and returns the session token.
func createAuthentication(t *testing.T, card string) (id, session string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"card_number": card, "amount": 1250, "currency": "JPY",
		"merchant_name": "Demo Shop", "merchant_origin": sys.ShopURL, "order_ref": "e2e-" + fmt.Sprint(time.Now().UnixNano()),
	})
	req, _ := http.NewRequest("POST", sys.IssuerURL+"/v1/authentications", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+sys.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		ID           string `json:"id"`
		Status       string `json:"status"`
		SessionToken string `json:"session_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || a.Status != "C" || a.SessionToken == "" {
		t.Fatalf("create authentication: %s %+v", resp.Status, a)
	}
	return a.ID, a.SessionToken
}

var evilPage = template.Must(template.New("").Parse(`<!doctype html>
<title>not the shop</title>
<div id="honnin"></div>
<script src="{{.Edge}}/honnin.js"></script>
<script>
Honnin.mount(document.getElementById("honnin"), {sessionToken: {{.Token}}})
  .then(r => { document.title = "got " + r.status; });
// Once the frame has loaded what it shows (for a refused frame, Chromium's
// error page), the page posts itself a marker.
document.querySelector("#honnin iframe").addEventListener("load",
  () => postMessage({type: "e2e:frame-loaded"}, location.origin));
</script>`))

// TestOtherOriginReceivesNothing: a page on another origin that got hold of a
// session token made for the shop can neither frame the challenge (CSP
// frame-ancestors) nor receive its result.
func TestOtherOriginReceivesNothing(t *testing.T) {
	ctx := newBrowser(t)
	_, token := createAuthentication(t, newCard(t, "email", enrolOpts{}).Number)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilPage.Execute(w, map[string]string{"Edge": sys.EdgeURL, "Token": token})
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	rec := record(t, ctx)
	evil := "http://" + ln.Addr().String()
	var mu sync.Mutex
	var logs []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok {
			mu.Lock()
			logs = append(logs, e.Entry.Text)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(evil+"/"), chromedp.WaitReady(chromedp.CSS("#honnin iframe")))

	// Chromium reports the frame-ancestors refusal on the page's log.
	waitFor(t, "Chromium to refuse framing the challenge", 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range logs {
			if strings.Contains(l, "frame-ancestors") {
				return true
			}
		}
		return false
	})
	// The refused frame shows Chromium's error page, in which no script of
	// the challenge runs: once it has loaded, nothing more can come from
	// it. The page's own marker follows the frame's load.
	var ms []message
	waitFor(t, "the frame to load and the page to post its marker", 10*time.Second, func() bool {
		ms = rec.all()
		return len(ms) > 0 && ms[len(ms)-1].Data.Type == "e2e:frame-loaded"
	})
	if len(ms) != 1 {
		t.Fatalf("a page on %s received %d messages besides its own marker: %+v", evil, len(ms)-1, ms[:len(ms)-1])
	}
	if title := eval[string](t, ctx, "document.title"); strings.HasPrefix(title, "got") {
		t.Fatalf("the snippet resolved on another origin: %q", title)
	}
}
