package metrics

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// exposition is a scrape parsed back: what a Prometheus server would read.
type exposition struct {
	help, typ map[string]string
	// samples by series: name{label="value",...} with the labels sorted
	// and the values unescaped then quoted again with %q.
	samples map[string]float64
	// order is the families in the order written.
	order []string
}

var (
	metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// parse reads text in the 0.0.4 format strictly: every family has HELP
// then TYPE once, before its samples; every sample belongs to the family
// declared last (a histogram's _bucket, _sum and _count included); label
// values are escaped as the format says; no series is written twice.
func parse(t *testing.T, text string) exposition {
	t.Helper()
	e, err := parseText(text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return e
}

// parseError is how the parser's helpers give up.
type parseError struct{ error }

func failf(format string, args ...any) { panic(parseError{fmt.Errorf(format, args...)}) }

func parseText(text string) (e exposition, err error) {
	defer func() {
		if v := recover(); v != nil {
			pe, ok := v.(parseError)
			if !ok {
				panic(v)
			}
			err = pe.error
		}
	}()
	e = exposition{help: map[string]string{}, typ: map[string]string{}, samples: map[string]float64{}}
	if text != "" && !strings.HasSuffix(text, "\n") {
		failf("exposition does not end in a line feed")
	}
	current := ""
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fail := func(format string, args ...any) {
			failf("line %d %q: %s", i+1, line, fmt.Sprintf(format, args...))
		}
		switch {
		case strings.HasPrefix(line, "# HELP "):
			name, help, ok := strings.Cut(line[len("# HELP "):], " ")
			if !ok || !metricNameRE.MatchString(name) {
				fail("bad HELP")
			}
			if _, dup := e.help[name]; dup {
				fail("second HELP for %s", name)
			}
			h, err := unescape(help, false)
			if err != nil {
				fail("%v", err)
			}
			e.help[name] = h
			e.order = append(e.order, name)
			current = ""
		case strings.HasPrefix(line, "# TYPE "):
			name, typ, _ := strings.Cut(line[len("# TYPE "):], " ")
			if _, ok := e.help[name]; !ok || e.order[len(e.order)-1] != name {
				fail("TYPE without its HELP just before")
			}
			if _, dup := e.typ[name]; dup {
				fail("second TYPE for %s", name)
			}
			switch typ {
			case "counter":
				if !strings.HasSuffix(name, "_total") {
					fail("counter not ending in _total")
				}
			case "gauge", "histogram":
			default:
				fail("unknown type %q", typ)
			}
			e.typ[name] = typ
			current = name
		case strings.HasPrefix(line, "#") || line == "":
			fail("unexpected line")
		default:
			name, labels, value := splitSample(line)
			if current == "" {
				fail("sample before any TYPE")
			}
			fam := name
			if e.typ[current] == "histogram" {
				for _, suf := range []string{"_bucket", "_sum", "_count"} {
					if base, ok := strings.CutSuffix(name, suf); ok && base == current {
						fam = base
					}
				}
			}
			if fam != current {
				fail("sample of %s under the family %s", name, current)
			}
			key := seriesKey(name, labels)
			if _, dup := e.samples[key]; dup {
				fail("series %s written twice", key)
			}
			e.samples[key] = value
		}
	}
	return e, nil
}

// splitSample parses name{labels} value.
func splitSample(line string) (string, map[string]string, float64) {
	labels := map[string]string{}
	name := line
	rest := ""
	if i := strings.IndexAny(line, "{ "); i >= 0 {
		name, rest = line[:i], line[i:]
	}
	if !metricNameRE.MatchString(name) {
		failf("%q: bad metric name", line)
	}
	if strings.HasPrefix(rest, "{") {
		rest = rest[1:]
		for !strings.HasPrefix(rest, "}") {
			eq := strings.Index(rest, `="`)
			if eq < 0 || !labelNameRE.MatchString(rest[:eq]) {
				failf("%q: bad label at %q", line, rest)
			}
			ln := rest[:eq]
			rest = rest[eq+2:]
			// The value ends at the first unescaped quote.
			end := -1
			for j := 0; j < len(rest); j++ {
				if rest[j] == '\\' {
					j++
					continue
				}
				if rest[j] == '"' {
					end = j
					break
				}
			}
			if end < 0 {
				failf("%q: unterminated label value", line)
			}
			v, err := unescape(rest[:end], true)
			if err != nil {
				failf("%q: %v", line, err)
			}
			if _, dup := labels[ln]; dup {
				failf("%q: label %s twice", line, ln)
			}
			labels[ln] = v
			rest = rest[end+1:]
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
			} else if !strings.HasPrefix(rest, "}") {
				failf("%q: want , or } after a label", line)
			}
		}
		rest = rest[1:]
	}
	vs, ok := strings.CutPrefix(rest, " ")
	if !ok || strings.Contains(vs, " ") {
		failf("%q: want one space and a value (no timestamp)", line)
	}
	var v float64
	switch vs {
	case "+Inf":
		v = math.Inf(1)
	case "-Inf":
		v = math.Inf(-1)
	case "NaN":
		v = math.NaN()
	default:
		var err error
		if v, err = strconv.ParseFloat(vs, 64); err != nil {
			failf("%q: value: %v", line, err)
		}
	}
	return name, labels, v
}

// unescape undoes the format's escapes: \\ and \n, and \" in a label
// value; any other backslash is an error.
func unescape(s string, quote bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' && quote {
			return "", fmt.Errorf("unescaped quote in %q", s)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", fmt.Errorf("trailing backslash in %q", s)
		}
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case '"':
			if !quote {
				return "", fmt.Errorf(`\" in HELP %q`, s)
			}
			b.WriteByte('"')
		default:
			return "", fmt.Errorf("bad escape \\%c in %q", s[i], s)
		}
	}
	return b.String(), nil
}

// seriesKey names a series independently of the label order written.
func seriesKey(name string, labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for n := range labels {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(name)
	if len(names) > 0 {
		b.WriteByte('{')
		for i, n := range names {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=%q", n, labels[n])
		}
		b.WriteByte('}')
	}
	return b.String()
}

// key is seriesKey for a test's expectations: key("m", "a", "x", "b", "y").
func key(name string, kv ...string) string {
	labels := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		labels[kv[i]] = kv[i+1]
	}
	return seriesKey(name, labels)
}

// TestParser: the test's parser refuses what the format does not allow,
// so a writer's mistake cannot pass through it.
func TestParser(t *testing.T) {
	good := "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\\\"\\n\\\\\"} 3\n"
	e := parse(t, good)
	if e.samples[key("a_total", "x", "1\"\n\\")] != 3 {
		failf("parsed %v", e.samples)
	}
	bad := []string{
		"a_total 1\n",                                                       // no TYPE
		"# TYPE a_total counter\na_total 1\n",                               // no HELP
		"# HELP a A.\n# TYPE a counter\na 1\n",                              // counter without _total
		"# HELP a_total A.\n# TYPE a_total counter\nb_total 1\n",            // foreign sample
		"# HELP a_total A.\n# TYPE a_total counter\na_total 1\na_total 2\n", // twice
		"# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"\\t\"} 1\n", // bad escape
		"# HELP a_total A.\n# TYPE a_total counter\na_total 1",              // no final line feed
	}
	for _, text := range bad {
		if _, err := parseText(text); err == nil {
			t.Errorf("parser accepted %q", text)
		}
	}
}
