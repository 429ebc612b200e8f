package branding

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/contract"
)

// png is the smallest PNG header the sniffing needs.
const png = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("gold.png", png)
	write("big.png", png+strings.Repeat("x", MaxLogoBytes))
	write("page.html", "<html><script>alert(1)</script>")
	write("mark.svg", `<svg xmlns="http://www.w3.org/2000/svg"/>`)
	for _, tt := range []struct {
		name, json string
		want       contract.Issuer
		errs       []string // each must be in the error; none: no error
	}{
		{"full", `{"name":"Gold Card","phone":"0120-111-111","portal_url":"https://gold.example/","logo":"gold.png","color":"#0B57D0","accent":"#1a1a1a"}`,
			contract.Issuer{Name: "Gold Card", Phone: "0120-111-111", Portal: "https://gold.example/",
				Logo: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", Color: "#0B57D0", Accent: "#1a1a1a"}, nil},
		{"svg logo", `{"logo":"mark.svg"}`, contract.Issuer{Logo: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="}, nil},
		{"empty", `{}`, contract.Issuer{}, nil},
		{"bad colour", `{"color":"blue"}`, contract.Issuer{}, []string{`color "blue": want #rrggbb`}},
		{"short colour", `{"accent":"#00f"}`, contract.Issuer{}, []string{`accent "#00f": want #rrggbb`}},
		{"low contrast", `{"color":"#ffcc00"}`, contract.Issuer{}, []string{"color #ffcc00: white button text on it has a contrast of 1.",
			"want at least 4.5:1; #" /* the shade named */}},
		{"low contrast accent", `{"accent":"#3399ff"}`, contract.Issuer{}, []string{"accent #3399ff: link text in it on white has a contrast of 2."}},
		{"http portal", `{"portal_url":"http://gold.example/"}`, contract.Issuer{}, []string{`portal_url "http://gold.example/": want an https URL`}},
		{"script portal", `{"portal_url":"javascript:alert(1)"}`, contract.Issuer{}, []string{"portal_url"}},
		{"two faults", `{"phone":"0120\n1","color":"#fff"}`, contract.Issuer{}, []string{"phone", "color"}},
		{"logo not an image", `{"logo":"page.html"}`, contract.Issuer{}, []string{"not a PNG, JPEG, WebP or SVG image"}},
		{"logo too big", `{"logo":"big.png"}`, contract.Issuer{}, []string{"bytes, want at most"}},
		{"logo missing", `{"logo":"none.png"}`, contract.Issuer{}, []string{"none.png"}},
		{"logo an outside URL", `{"logo":"data:text/html;base64,PGI+"}`, contract.Issuer{}, []string{"logo: want a base64 data: URL"}},
		{"unknown field", `{"colour":"#000000"}`, contract.Issuer{}, []string{`unknown field "colour"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(write("brand.json", tt.json))
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if got != tt.want {
					t.Errorf("Load = %+v, want %+v", got, tt.want)
				}
				if !got.Valid() {
					t.Errorf("Load = %+v, which the edge would not show", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load = %+v, want an error", got)
			}
			for _, s := range tt.errs {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Load: %v; want it to say %q", err, s)
				}
			}
		})
	}
}

// TestDarken: the shade Check names passes, and is the lightest that does.
func TestDarken(t *testing.T) {
	for _, c := range []string{"#ffcc00", "#3399ff", "#ffffff", "#0b57d0", "#e60012"} {
		d := Darken(c)
		if err := checkColor(d, "text"); err != nil {
			t.Errorf("Darken(%s) = %s, which fails: %v", c, d, err)
		}
		if err := checkColor(c, "text"); err == nil && d != c {
			t.Errorf("Darken(%s) = %s, want the colour itself: it passes", c, d)
		}
	}
}

func TestEncodeDecode(t *testing.T) {
	in := contract.Issuer{Name: "Gold", Phone: "0120", Logo: "data:image/png;base64,AAAA", Color: "#000000"}
	s, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := Decode(s); err != nil || out != in {
		t.Errorf("Decode(Encode(%+v)) = %+v, %v", in, out, err)
	}
	if s, err := Encode(contract.Issuer{}); s != "" || err != nil {
		t.Errorf("Encode(zero) = %q, %v; want \"\"", s, err)
	}
	if out, err := Decode(""); err != nil || !out.IsZero() {
		t.Errorf("Decode(\"\") = %+v, %v", out, err)
	}
}
