// Package promtest reads a Prometheus text Exposition back strictly, as a
// scraper would, so a test of a process's metrics checks what a
// Prometheus server reads, not the bytes written.
package promtest

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Exposition is a scrape parsed back: what a Prometheus server would read.
type Exposition struct {
	Help, Type map[string]string
	// Samples by series: name{label="value",...} with the labels sorted
	// and the values unescaped then quoted again with %q.
	Samples map[string]float64
	// Order is the families in the order written.
	Order []string
}

var (
	metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// Parse reads text in the 0.0.4 format strictly: every family has HELP
// then TYPE once, before its samples; every sample belongs to the family
// declared last (a histogram's _bucket, _sum and _count included); label
// values are escaped as the format says; no series is written twice.
func Parse(t testing.TB, text string) Exposition {
	t.Helper()
	e, err := ParseText(text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return e
}

// parseError is how the parser's helpers give up.
type parseError struct{ error }

func failf(format string, args ...any) { panic(parseError{fmt.Errorf(format, args...)}) }

// ParseText is Parse returning the first violation as an error.
func ParseText(text string) (e Exposition, err error) {
	defer func() {
		if v := recover(); v != nil {
			pe, ok := v.(parseError)
			if !ok {
				panic(v)
			}
			err = pe.error
		}
	}()
	e = Exposition{Help: map[string]string{}, Type: map[string]string{}, Samples: map[string]float64{}}
	if text != "" && !strings.HasSuffix(text, "\n") {
		failf("Exposition does not end in a line feed")
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
			if _, dup := e.Help[name]; dup {
				fail("second HELP for %s", name)
			}
			h, err := unescape(help, false)
			if err != nil {
				fail("%v", err)
			}
			e.Help[name] = h
			e.Order = append(e.Order, name)
			current = ""
		case strings.HasPrefix(line, "# TYPE "):
			name, typ, _ := strings.Cut(line[len("# TYPE "):], " ")
			if _, ok := e.Help[name]; !ok || e.Order[len(e.Order)-1] != name {
				fail("TYPE without its HELP just before")
			}
			if _, dup := e.Type[name]; dup {
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
			e.Type[name] = typ
			current = name
		case strings.HasPrefix(line, "#") || line == "":
			fail("unexpected line")
		default:
			name, labels, value := splitSample(line)
			if current == "" {
				fail("sample before any TYPE")
			}
			fam := name
			if e.Type[current] == "histogram" {
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
			if _, dup := e.Samples[key]; dup {
				fail("series %s written twice", key)
			}
			e.Samples[key] = value
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

// Key is the series key of Exposition.Samples for a test's expectations: key("m", "a", "x", "b", "y").
func Key(name string, kv ...string) string {
	labels := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		labels[kv[i]] = kv[i+1]
	}
	return seriesKey(name, labels)
}
