package prom

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/honnin/honnin/edge/deptest"
	"github.com/honnin/honnin/edge/prom/promtest"
)

// TestHistogramBuckets: a value equal to a bound counts in that bucket
// (le is "at most"), the buckets written are cumulative, +Inf and _count
// are the number of observations and _sum their sum.
func TestHistogramBuckets(t *testing.T) {
	tests := []struct {
		name    string
		observe []float64
		// cumulative counts at le 1, 2, 5, +Inf
		want []uint64
		sum  float64
	}{
		{"none", nil, []uint64{0, 0, 0, 0}, 0},
		{"on the bounds", []float64{1, 2, 5}, []uint64{1, 2, 3, 3}, 8},
		{"between", []float64{0.5, 1.5, 4.9}, []uint64{1, 2, 3, 3}, 6.9},
		{"above all", []float64{5.0001, 100}, []uint64{0, 0, 0, 2}, 105.0001},
		{"negative and zero", []float64{-1, 0}, []uint64{2, 2, 2, 2}, -1},
		{"mixed", []float64{0.1, 1.0000001, 2, 7, 1}, []uint64{2, 4, 4, 5}, 11.1000001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRegistry()
			h := NewHistogramVec(r, "x_seconds", "X.", []float64{1, 2, 5}, []string{"k"}, func(k string) []string { return []string{k} })
			hist := h.With("a")
			for _, v := range tt.observe {
				hist.Observe(v)
			}
			cum, count, sum := hist.Snapshot()
			if len(cum) != 4 || count != uint64(len(tt.observe)) || math.Abs(sum-tt.sum) > 1e-9 {
				t.Fatalf("Snapshot = %v %d %v", cum, count, sum)
			}
			e := promtest.Parse(t, string(r.Append(context.Background(), nil)))
			for i, le := range []string{"1", "2", "5", "+Inf"} {
				k := promtest.Key("x_seconds_bucket", "k", "a", "le", le)
				if got := e.Samples[k]; got != float64(tt.want[i]) || cum[i] != tt.want[i] {
					t.Errorf("%s = %v (snapshot %d), want %d", k, got, cum[i], tt.want[i])
				}
			}
			if got := e.Samples[promtest.Key("x_seconds_count", "k", "a")]; got != float64(len(tt.observe)) {
				t.Errorf("_count = %v", got)
			}
			if got := e.Samples[promtest.Key("x_seconds_sum", "k", "a")]; math.Abs(got-tt.sum) > 1e-9 {
				t.Errorf("_sum = %v, want %v", got, tt.sum)
			}
		})
	}
}

// TestLabelEscaping: a backslash, a double quote and a line feed in a
// label value, and a backslash and a line feed in a help text, are
// escaped as the format says and read back as they were.
func TestLabelEscaping(t *testing.T) {
	r := NewRegistry()
	c := NewCounterVec(r, "odd_total", "Help with a \\ and a\nline feed and \"quotes\".", []string{"v"}, func(k string) []string { return []string{k} })
	values := []string{`back\slash`, `a "quoted" word`, "two\nlines", "日本語", `\"` + "\n"}
	for i, v := range values {
		c.Add(v, uint64(i+1))
	}
	text := string(r.Append(context.Background(), nil))
	for _, line := range []string{
		`# HELP odd_total Help with a \\ and a\nline feed and "quotes".`,
		`odd_total{v="back\\slash"} 1`,
		`odd_total{v="a \"quoted\" word"} 2`,
		`odd_total{v="two\nlines"} 3`,
		`odd_total{v="日本語"} 4`,
		`odd_total{v="\\\"\n"} 5`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("no line %s in\n%s", line, text)
		}
	}
	e := promtest.Parse(t, text)
	if e.Help["odd_total"] != "Help with a \\ and a\nline feed and \"quotes\"." {
		t.Errorf("help read back as %q", e.Help["odd_total"])
	}
	for i, v := range values {
		if got := e.Samples[promtest.Key("odd_total", "v", v)]; got != float64(i+1) {
			t.Errorf("%q read back as %v, want %d", v, got, i+1)
		}
	}
}

// TestRegistrationRules: names the format or its conventions refuse are
// refused at registration, before any scrape.
func TestRegistrationRules(t *testing.T) {
	id := func(k string) []string { return []string{k} }
	tests := []struct {
		name string
		add  func(r *Registry)
	}{
		{"counter without _total", func(r *Registry) { NewCounter(r, "requests", "R.") }},
		{"bad metric name", func(r *Registry) { NewGauge(r, "9lives", "G.") }},
		{"bad label name", func(r *Registry) { NewCounterVec(r, "x_total", "X.", []string{"a-b"}, id) }},
		{"reserved label name", func(r *Registry) { NewCounterVec(r, "x_total", "X.", []string{"__name"}, id) }},
		{"le on a histogram", func(r *Registry) { NewHistogramVec(r, "h", "H.", []float64{1}, []string{"le"}, id) }},
		{"unsorted bounds", func(r *Registry) { NewHistogramVec(r, "h", "H.", []float64{2, 1}, []string{"k"}, id) }},
		{"repeated bound", func(r *Registry) { NewHistogramVec(r, "h", "H.", []float64{1, 1}, []string{"k"}, id) }},
		{"infinite bound", func(r *Registry) { NewHistogramVec(r, "h", "H.", []float64{1, math.Inf(1)}, []string{"k"}, id) }},
		{"no bounds", func(r *Registry) { NewHistogramVec(r, "h", "H.", nil, []string{"k"}, id) }},
		{"twice", func(r *Registry) { NewGauge(r, "g", "G."); NewGauge(r, "g", "G.") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("registered without a panic")
				}
			}()
			tt.add(NewRegistry())
		})
	}
}

// TestImportsStandardLibraryOnly: the package has no dependency outside
// the standard library (no client library, nothing of the issuer), so
// any process of the project can use it.
func TestImportsStandardLibraryOnly(t *testing.T) {
	const self = "github.com/honnin/honnin/edge/prom"
	for _, p := range deptest.Deps(t, self, "", "") {
		if first, _, _ := strings.Cut(p, "/"); p != self && strings.Contains(first, ".") {
			t.Errorf("imports %s", p)
		}
	}
}
