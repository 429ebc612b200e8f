package e2e

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	_ "modernc.org/sqlite"
)

// TestEMVWindowSizes: for each challengeWindowSize the requestor sizes its
// iframe as the note gives (05: the whole window), the edge's challenge
// renders in it with its code field visible, laid out at the iframe's
// width without scrolling sideways.
func TestEMVWindowSizes(t *testing.T) {
	sizes := map[string][2]int{"01": {250, 400}, "02": {390, 400}, "03": {500, 600}, "04": {600, 400}, "05": {0, 0}}
	for _, ws := range []string{"01", "02", "03", "04", "05"} {
		t.Run(ws, func(t *testing.T) {
			c := startEMV(t, newCard(t, "email", enrolOpts{}), emvOpts{WindowSize: ws})
			if got := c.tx(); got.WindowSize != ws {
				t.Fatalf("the requestor posted window size %q, want %q", got.WindowSize, ws)
			}
			want := sizes[ws]
			if ws == "05" {
				// The viewport, less a vertical scroll bar if there is one.
				want = [2]int{eval[int](t, c.ctx, `document.documentElement.clientWidth`), eval[int](t, c.ctx, `innerHeight`)}
			}
			box := eval[[]float64](t, c.ctx, `(() => { const r = document.querySelector("#challenge").getBoundingClientRect(); return [r.width, r.height]; })()`)
			if int(box[0]) != want[0] || int(box[1]) != want[1] {
				t.Errorf("challenge iframe %vx%v, want %dx%d", box[0], box[1], want[0], want[1])
			}
			cw, err := chromedp.Run(c.ctx, chromedp.JavascriptAttribute[int](chromedp.CSS("html"), "clientWidth", c.in))
			if err != nil {
				t.Fatal(err)
			}
			sw, err := chromedp.Run(c.ctx, chromedp.JavascriptAttribute[int](chromedp.CSS("html"), "scrollWidth", c.in))
			if err != nil {
				t.Fatal(err)
			}
			if cw != want[0] && ws != "05" {
				t.Errorf("the challenge is laid out %d px wide in a %d px window", cw, want[0])
			}
			if sw > cw {
				t.Errorf("at window size %s the challenge scrolls sideways: content %d px wide in %d px", ws, sw, cw)
			}
			screenshot(t, c.ctx, "#challenge", fmt.Sprintf("emv-window-%s-%s.png", ws, edgeRuntime()))
		})
	}
}

// TestEMVMethod: the requestor runs the ACS's 3DS Method in a hidden
// iframe; the ACS's page notifies the requestor within its 10 s, so the
// AReq says threeDSCompInd Y, and the issuer holds the device data the
// method page collected for that threeDSServerTransID. Without a method
// URL the AReq says U.
func TestEMVMethod(t *testing.T) {
	c := startEMV(t, newCard(t, "email", enrolOpts{}), emvOpts{})
	tx := c.tx()
	if tx.Method == nil || tx.Method.MethodData == nil || tx.Method.MethodData.ThreeDSServerTransID != c.sti {
		t.Fatalf("the requestor's method notification: %+v", tx.Method)
	}
	if tx.Method.MethodData.ThreeDSMethodNotificationURL != "" {
		t.Errorf("the method notification carries a notification URL %q: only the transaction id goes back", tx.Method.MethodData.ThreeDSMethodNotificationURL)
	}
	if tx.CompInd != "Y" || tx.AReq["threeDSCompInd"] != "Y" {
		t.Errorf("threeDSCompInd %q (AReq %v), want Y", tx.CompInd, tx.AReq["threeDSCompInd"])
	}
	device, edge := issuerMethod(t, c.sti)
	if device == "" || device == "null" || edge == "" || edge == "null" {
		t.Errorf("the issuer's method record for %s: device %q, edge %q; want both", c.sti, device, edge)
	}

	u := beginEMV(t, newBrowser(t), newCard(t, "email", enrolOpts{}), emvOpts{NoMethod: true})
	u.waitChallenge()
	if tx := u.tx(); tx.CompInd != "U" || tx.Method != nil {
		t.Errorf("without a method: threeDSCompInd %q, method %+v; want U and none", tx.CompInd, tx.Method)
	}
}

// issuerMethod reads what the issuer recorded of the 3DS Method for a
// transaction (emv_methods, the design's table), read-only from the
// stack's SQLite database: no operator command shows it yet.
func issuerMethod(t *testing.T, sti string) (device, edge string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(stateDir, "issuer.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var d, e sql.NullString
	if err := db.QueryRow(`SELECT device, edge FROM emv_methods WHERE server_trans_id = ?`, sti).Scan(&d, &e); err != nil {
		t.Fatalf("the issuer's 3DS Method record for %s: %v", sti, err)
	}
	return d.String, e.String
}
