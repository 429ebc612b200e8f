package contract

import (
	"math"
	"strings"
	"testing"
)

func TestIssuerValid(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   Issuer
		want bool
	}{
		{"zero", Issuer{}, true},
		{"full", Issuer{Name: "ホンニンカード", Phone: "0120-123-456", Portal: "https://card.example/portal/"}, true},
		{"http portal", Issuer{Portal: "http://127.0.0.1:8081/portal/"}, true},
		{"name too long", Issuer{Name: strings.Repeat("カ", IssuerNameMaxRunes+1)}, false},
		{"newline in name", Issuer{Name: "Bank\nCall 000"}, false},
		{"padded phone", Issuer{Phone: " 0120 "}, false},
		{"phone too long", Issuer{Phone: "012345678901234567890123456789012"}, false},
		{"javascript portal", Issuer{Portal: "javascript:alert(1)"}, false},
		{"relative portal", Issuer{Portal: "/portal/"}, false},
		{"no host", Issuer{Portal: "https:///portal"}, false},
		{"user in portal", Issuer{Portal: "https://bank.example@evil.example/"}, false},
		{"space in portal", Issuer{Portal: "https://card.example/a b"}, false},
		{"http portal elsewhere", Issuer{Portal: "http://card.example/portal/"}, false},
		{"http portal on a look-alike of loopback", Issuer{Portal: "http://127.card.example/"}, false},
		{"http localhost portal", Issuer{Portal: "http://localhost:8081/portal/"}, true},
		{"http ::1 portal", Issuer{Portal: "http://[::1]:8081/portal/"}, true},
		{"http ::1 look-alike", Issuer{Portal: "http://[::1]x.example/"}, false},
		{"http localhost look-alike", Issuer{Portal: "http://localhost.example/"}, false},
		{"http loopback without port", Issuer{Portal: "http://127.0.0.1/portal/"}, true},
		{"brand colours", Issuer{Color: "#0B57D0", Accent: "#1a1a1a"}, true},
		{"colour too light for white text", Issuer{Color: "#ffcc00"}, false},
		{"accent too light on white", Issuer{Accent: "#7f7f7f"}, false},
		{"colour by name", Issuer{Color: "navy"}, false},
		{"short colour", Issuer{Color: "#00f"}, false},
		{"colour with CSS after it", Issuer{Color: "#000000;x"}, false},
		{"png logo", Issuer{Logo: "data:image/png;base64,iVBORw0KGgo="}, true},
		{"svg logo", Issuer{Logo: "data:image/svg+xml;base64,PHN2Zy8+"}, true},
		{"logo by URL", Issuer{Logo: "https://card.example/logo.png"}, false},
		{"html logo", Issuer{Logo: "data:text/html;base64,PGI+"}, false},
		{"logo not base64", Issuer{Logo: "data:image/png;base64,<svg>"}, false},
		{"logo too large", Issuer{Logo: "data:image/png;base64," + strings.Repeat("A", IssuerLogoMaxLen)}, false},
	} {
		if got := tt.in.Valid(); got != tt.want {
			t.Errorf("%s: Valid(%+v) = %v, want %v", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestContrast(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#0b57d0", "#ffffff", 6.39}, // the page's own link and button blue
		{"#767676", "#ffffff", 4.54}, // the lightest grey that passes
		{"#777777", "#ffffff", 4.48},
	} {
		r1, g1, b1, ok1 := ParseColor(tt.a)
		r2, g2, b2, ok2 := ParseColor(tt.b)
		if !ok1 || !ok2 {
			t.Fatalf("ParseColor(%s, %s) failed", tt.a, tt.b)
		}
		if got := Contrast(r1, g1, b1, r2, g2, b2); got < tt.want-0.01 || got > tt.want+0.01 {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestIssuerOver(t *testing.T) {
	def := Issuer{Name: "Honnin Card", Phone: "0120-000-000", Portal: "https://card.example/", Color: "#0b57d0"}
	got := def.Over(Issuer{Name: "Gold Card", Phone: "0120-111-111", Logo: "data:image/png;base64,AAAA"})
	want := Issuer{Name: "Gold Card", Phone: "0120-111-111", Portal: "https://card.example/", Logo: "data:image/png;base64,AAAA", Color: "#0b57d0"}
	if got != want {
		t.Errorf("Over = %+v, want %+v", got, want)
	}
	if got := def.Over(Issuer{}); got != def {
		t.Errorf("Over(zero) = %+v, want the default %+v", got, def)
	}
}

func TestPow24(t *testing.T) {
	for _, x := range []float64{0, 0.001, 0.0521, 0.2, 0.5, 0.9, 1} {
		if got, want := pow24(x), math.Pow(x, 2.4); math.Abs(got-want) > 1e-12 {
			t.Errorf("pow24(%g) = %.15g, want %.15g", x, got, want)
		}
	}
}
