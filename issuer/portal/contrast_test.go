package portal

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// textPairs is every pairing of a text colour and the background it is
// read on in the portal's pages, each named by the stylesheet rules that
// set them: fg's color (body: the pages' own text, which every rule
// without a color inherits) on bg's background (body: the page's, for
// text in no box of its own). A rule with a colour of either kind in no
// pair fails TestTextPairsComplete, so a new colour comes with its pairs.
var textPairs = []struct {
	fg, bg string
	where  string // where the pages put that text on that background
}{
	{"body", "body", "the pages' text"},
	{"body", "header.top", "the header: the portal's name, the current language, the card"},
	{"body", ".flash", "a POST's outcome, the sign-in page's notice"},
	{"body", ".error", "an error"},
	{"body", ".nag", "the provisional-message reminder, the stopped service, a lost token's question"},
	{"body", ".challenge-like", "the personal message's preview box"},
	{"body", ".pm", "the personal message in the preview"},
	{"a", "body", "links in the pages and in notes"},
	{"a", "header.top", "the language switch"},
	{"a", "nav.menu", "the menu"},
	{"a", ".nag", "the reminder's link, the stopped service's, a lost token's No"},
	{".note", "body", "notes under forms, in the method list and the token table"},
	{".card-bar .dest", "header.top", "the card's masked address and phone in the header"},
	{"label.choice .dest", "body", "a method's masked address"},
	{"dl.facts dt", "body", "the names of facts (the method change's from and to)"},
	{".pm h2", ".pm", "the personal message's heading"},
	{".warn", "body", "a locked method, the service's warning"},
	{"footer", "body", "the footer (4.29:1 once)"},
	{".tag", ".tag", "the current method's and a reported purchase's tag (4.42:1 once)"},
	{"button", "button", "buttons"},
	{"button.secondary", "button.secondary", "secondary buttons"},
	{"button", "button.danger", "the lost and stop buttons"},
	{".skip:focus", ".skip:focus", "the skip link when focused"},
}

// stylesheet is static/portal.css as far as the contrast tests read it:
// each rule's declarations by its selector, and the custom properties of
// :root.
type stylesheet struct {
	rules map[string]string // selector as written → declarations
	vars  map[string]string // custom property name (no --) → value
}

var (
	cssRule = regexp.MustCompile(`(?m)^([^{}\n]+)\{([^}]*)\}`)
	cssVar  = regexp.MustCompile(`--([a-z]+):\s*([^;}]+)`)
	cssRef  = regexp.MustCompile(`^var\(--([a-z]+)\)$`)
	hexRGB  = regexp.MustCompile(`^#([0-9a-f]{3}){1,2}$`)
)

func readStylesheet(t *testing.T) stylesheet {
	t.Helper()
	b, err := os.ReadFile("static/portal.css")
	if err != nil {
		t.Fatal(err)
	}
	return parseStylesheet(string(b))
}

func parseStylesheet(css string) stylesheet {
	s := stylesheet{rules: map[string]string{}, vars: map[string]string{}}
	for _, m := range cssRule.FindAllStringSubmatch(css, -1) {
		s.rules[strings.TrimSpace(m[1])] = m[2]
	}
	for _, m := range cssVar.FindAllStringSubmatch(s.rules[":root"], -1) {
		s.vars[m[1]] = strings.TrimSpace(m[2])
	}
	return s
}

// decl is the value of prop in sel's rule, a custom property resolved;
// "" when the rule does not set it.
func (s stylesheet) decl(sel, prop string) string {
	m := regexp.MustCompile(`(?:^|[;{\s])` + prop + `:\s*([^;}]+)`).FindStringSubmatch(s.rules[sel])
	if m == nil {
		return ""
	}
	v := strings.TrimSpace(m[1])
	if r := cssRef.FindStringSubmatch(v); r != nil {
		return s.vars[r[1]]
	}
	return v
}

// with is a copy of s with prop of sel's rule set to value.
func (s stylesheet) with(sel, prop, value string) stylesheet {
	c := stylesheet{rules: map[string]string{}, vars: s.vars}
	for k, v := range s.rules {
		c.rules[k] = v
	}
	re := regexp.MustCompile(`((?:^|[;{\s])` + prop + `:\s*)[^;}]+`)
	c.rules[sel] = re.ReplaceAllString(s.rules[sel], "${1}"+value)
	return c
}

// pairContrast is one pair's colours and ratio.
type pairContrast struct {
	fg, bg, fgColour, bgColour string
	ratio                      float64
}

// contrasts reads every pair of textPairs in s.
func (s stylesheet) contrasts() ([]pairContrast, error) {
	var out []pairContrast
	for _, p := range textPairs {
		fg, bg := s.decl(p.fg, "color"), s.decl(p.bg, "background")
		if !hexRGB.MatchString(fg) || !hexRGB.MatchString(bg) {
			return nil, fmt.Errorf("%s on %s: color %q, background %q: want #rgb or #rrggbb in the stylesheet", p.fg, p.bg, fg, bg)
		}
		out = append(out, pairContrast{p.fg, p.bg, fg, bg, contrast(fg, bg)})
	}
	return out, nil
}

// below lists the pairs of s under 4.5:1 (WCAG 2.2 AA, 1.4.3: the
// portal's text is all under 18.66 px bold or 24 px).
func (s stylesheet) below() ([]string, error) {
	cs, err := s.contrasts()
	if err != nil {
		return nil, err
	}
	var bad []string
	for _, c := range cs {
		if c.ratio < 4.5 {
			bad = append(bad, fmt.Sprintf("%s on %s: %s on %s is %.2f:1", c.fg, c.bg, c.fgColour, c.bgColour, c.ratio))
		}
	}
	return bad, nil
}

// TestTextContrast: every text colour of the portal's stylesheet stands at
// least 4.5:1 against every background the pages read it on.
func TestTextContrast(t *testing.T) {
	s := readStylesheet(t)
	bad, err := s.below()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s, want at least 4.5:1", b)
	}
	if testing.Verbose() {
		cs, _ := s.contrasts()
		for _, c := range cs {
			t.Logf("%-20s on %-18s %s on %s %5.2f:1", c.fg, c.bg, c.fgColour, c.bgColour, c.ratio)
		}
	}
}

// TestTextContrastCatchesTheOldColours: with the footer's and the current
// tag's colours of before (#777, #188038), the check finds exactly those
// two pairs, at the ratios measured then.
func TestTextContrastCatchesTheOldColours(t *testing.T) {
	old := readStylesheet(t).with("footer", "color", "#777").with(".tag", "color", "#188038")
	bad, err := old.below()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"footer on body: #777 on #fafafa is 4.29:1",
		".tag on .tag: #188038 on #e6f4ea is 4.42:1",
	}
	if !slices.Equal(bad, want) {
		t.Errorf("with the old colours the check finds\n%s\nwant\n%s", strings.Join(bad, "\n"), strings.Join(want, "\n"))
	}
}

// TestTextPairsComplete: every rule of the stylesheet that sets a text
// colour is the text of some pair, every rule that sets a background
// colour the background of some pair, and every pair names rules there
// are.
func TestTextPairsComplete(t *testing.T) {
	s := readStylesheet(t)
	var fgs, bgs []string
	for _, p := range textPairs {
		fgs, bgs = append(fgs, p.fg), append(bgs, p.bg)
		for _, sel := range []string{p.fg, p.bg} {
			if _, ok := s.rules[sel]; !ok {
				t.Errorf("pair %s on %s: no rule %q in the stylesheet", p.fg, p.bg, sel)
			}
		}
	}
	colours := 0
	for sel := range s.rules {
		if c := s.decl(sel, "color"); hexRGB.MatchString(c) {
			colours++
			if !slices.Contains(fgs, sel) {
				t.Errorf("%s sets the text colour %s, and no pair reads it: add where the pages show it to textPairs", sel, c)
			}
		}
		if c := s.decl(sel, "background"); hexRGB.MatchString(c) {
			colours++
			if !slices.Contains(bgs, sel) {
				t.Errorf("%s sets the background %s, and no pair reads text on it: add what the pages write on it to textPairs", sel, c)
			}
		}
	}
	if colours < 20 {
		t.Errorf("only %d colours read: the stylesheet was not parsed", colours)
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
