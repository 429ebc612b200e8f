package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// goldBrand is the brand of a card range an issuer runs as a second brand
// (issuer ranges add -branding): the stack's issuer has no phone and no
// portal of its own, so the screen naming these proves the range's brand
// reached it.
var goldBrand = struct{ Name, Phone, Tel, Portal, Color, Accent string }{
	"ゴールドカード", "0120-111-222", "tel:0120111222", "https://gold.example/portal/", "#7a5c00", "#5a3d00",
}

// brandRange gives card's own 11-digit range goldBrand, with a small PNG
// logo, as an operator would: a brand file and issuer ranges add. The
// range lies inside the demo's JCB span, so no other card changes.
func brandRange(t *testing.T, card ownCard) {
	t.Helper()
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range 16 {
		img.Set(i, i, color.RGBA{0x7a, 0x5c, 0, 0xff})
	}
	var logo bytes.Buffer
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gold.png"), logo.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	b := goldBrand
	file := filepath.Join(dir, "gold.json")
	body := `{"name":"` + b.Name + `","phone":"` + b.Phone + `","portal_url":"` + b.Portal +
		`","logo":"gold.png","color":"` + b.Color + `","accent":"` + b.Accent + `"}`
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	operator(t, needStack(t), nil, "ranges", "add", "-prefix", card.Number[:11], "-note", "e2e: "+t.Name(), "-branding", file)
}

// checkBrandedEnd checks the end of a challenge of a card in a brandRange
// range that only its issuer can explain (locked, denied, too many
// codes): the range's name and logo head the frame, its colours are the
// page's, and its phone and portal are real links under the outcome.
func (c *checkout) checkBrandedEnd() {
	c.t.Helper()
	b := goldBrand
	if got := strings.TrimSpace(c.frameText("#brand-name")); got != b.Name {
		c.t.Errorf("brand line %q, want the range's %q", got, b.Name)
	}
	if src := attr(c.t, c, "#brand-logo", "src"); !strings.HasPrefix(src, "data:image/png;base64,iVBORw0KGgo") {
		c.t.Errorf("logo src %.40q, want the range's PNG as a data: URL", src)
	}
	if st := c.frameText("#status"); !strings.Contains(st, b.Phone) {
		c.t.Errorf("status %q does not name the range's phone %s", st, b.Phone)
	}
	if href := attr(c.t, c, "a#phone", "href"); href != b.Tel {
		c.t.Errorf("phone link %q, want %q", href, b.Tel)
	}
	if href, target, rel := attr(c.t, c, "a#portal", "href"), attr(c.t, c, "a#portal", "target"), attr(c.t, c, "a#portal", "rel"); href != b.Portal ||
		target != "_blank" || !strings.Contains(rel, "noopener") {
		c.t.Errorf("portal link href %q target %q rel %q, want %q in a new tab, noopener", href, target, rel, b.Portal)
	}
	vis, err := frameCall[bool](c.ctx, `function() {
		const p = document.getElementById("phone"), q = document.getElementById("portal");
		return p.offsetHeight > 0 && q.offsetHeight > 0 }`, []chromedp.QueryOption{c.in})
	if err != nil || !vis {
		c.t.Errorf("the phone and portal links are not shown (%v)", err)
	}
	colors, err := frameCall[string](c.ctx, `function() {
		const s = getComputedStyle(document.documentElement);
		return s.getPropertyValue("--brand").trim() + " " + s.getPropertyValue("--accent").trim() }`, []chromedp.QueryOption{c.in})
	if want := b.Color + " " + b.Accent; err != nil || colors != want {
		c.t.Errorf("--brand --accent %q (%v), want %q", colors, err, want)
	}
}
