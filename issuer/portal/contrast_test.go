package portal

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestTextContrast: every text colour of the portal's stylesheet stands at
// least 4.5:1 (WCAG 2.2 AA, 1.4.3) against its rule's background, or the
// page's where the rule sets none. The footer (4.29:1) and the "current"
// tag (4.42:1) once fell short.
func TestTextContrast(t *testing.T) {
	b, err := os.ReadFile("static/portal.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(b)
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z]+):\s*(#[0-9a-f]{6})`).FindAllStringSubmatch(css, -1) {
		vars[m[1]] = m[2]
	}
	resolve := func(v string) string {
		if m := regexp.MustCompile(`^var\(--([a-z]+)\)$`).FindStringSubmatch(v); m != nil {
			return vars[m[1]]
		}
		return v
	}
	decl := func(body, prop string) string {
		m := regexp.MustCompile(`(?:^|[;{\s])` + prop + `:\s*([^;}]+)`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return resolve(strings.TrimSpace(m[1]))
	}
	page := decl(regexp.MustCompile(`(?m)^body \{([^}]*)\}`).FindStringSubmatch(css)[1], "background")
	checked := 0
	for _, m := range regexp.MustCompile(`(?m)^([^{}\n]+)\{([^}]*)\}`).FindAllStringSubmatch(css, -1) {
		sel, body := strings.TrimSpace(m[1]), m[2]
		fg := decl(body, "color")
		if !regexp.MustCompile(`^#([0-9a-f]{3}){1,2}$`).MatchString(fg) {
			continue
		}
		bg := decl(body, "background")
		if !regexp.MustCompile(`^#([0-9a-f]{3}){1,2}$`).MatchString(bg) {
			bg = page
		}
		checked++
		if r := contrast(fg, bg); r < 4.5 {
			t.Errorf("%s: %s on %s is %.2f:1, want at least 4.5:1", sel, fg, bg, r)
		}
	}
	if checked < 10 {
		t.Errorf("only %d rules with a text colour read: the stylesheet was not parsed", checked)
	}
}

// contrast is the WCAG 2 contrast ratio of two #rrggbb (or #rgb) colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	if len(hex) == 4 { // #rgb
		hex = "#" + strings.Repeat(hex[1:2], 2) + strings.Repeat(hex[2:3], 2) + strings.Repeat(hex[3:4], 2)
	}
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

func TestContrastFormula(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want float64
	}{{"#000000", "#ffffff", 21}, {"#777777", "#fafafa", 4.29}, {"#188038", "#e6f4ea", 4.42}, {"#fff", "#ffffff", 1}, {"#555", "#fafafa", 7.14}} {
		if got := contrast(tt.a, tt.b); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
}
