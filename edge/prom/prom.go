// Package prom counts what a process does and writes the counts in the
// Prometheus text exposition format (version 0.0.4), for a scraper on
// the admin listener. Each process names its own set on top of it
// (issuer/metrics, edge/metrics).
//
// It is the standard library only: the few metric kinds the processes need
// (counters, histograms with a fixed bucket layout, gauges read when
// scraped) do not justify a client library and its dependencies. The hot
// path is a read-locked map lookup by a comparable key and an atomic add:
// no allocation once a series exists, and a series' label text is built
// once, when it is first seen, never per event.
//
// The code that is counted does not import this package: it exposes a
// func field (api.Config.OnRequest, outbox.Outbox.OnResult, ...) that the
// process's main wires to a method of its set.
package prom

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ContentType is the text exposition format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Types of metric, as the TYPE line names them.
const (
	typeCounter   = "counter"
	typeGauge     = "gauge"
	typeHistogram = "histogram"
)

// Label is one label of a series.
type Label struct{ Name, Value string }

// family is one metric: its HELP and TYPE lines and its samples.
type family interface {
	name() string
	// appendHeader appends the HELP and TYPE lines.
	appendHeader(b []byte) []byte
	// appendSamples appends the sample lines; none leaves the whole
	// family out of this scrape (no series yet, a gauge not read).
	appendSamples(b []byte) []byte
}

// Registry holds a process's metrics and writes them. It is safe for
// concurrent use.
type Registry struct {
	mu       sync.Mutex
	families []family
	names    map[string]bool
	// before run at each scrape, before the families are written: they
	// read gauges that come from elsewhere (a database).
	before []func(context.Context)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{names: map[string]bool{}} }

var (
	nameRE  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// add registers f. A bad or repeated name is a programming error: it
// panics at start, not at the first scrape.
func (r *Registry) add(f family, typ string, labelNames []string) {
	n := f.name()
	if !nameRE.MatchString(n) {
		panic(fmt.Sprintf("prom: bad metric name %q", n))
	}
	if typ == typeCounter && !strings.HasSuffix(n, "_total") {
		panic(fmt.Sprintf("prom: counter %q: a counter's name ends in _total", n))
	}
	for _, l := range labelNames {
		if !labelRE.MatchString(l) || strings.HasPrefix(l, "__") || (typ == typeHistogram && l == "le") {
			panic(fmt.Sprintf("prom: %s: bad label name %q", n, l))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[n] {
		panic(fmt.Sprintf("prom: %q registered twice", n))
	}
	r.names[n] = true
	r.families = append(r.families, f)
}

// BeforeScrape adds fn, run at each scrape before anything is written:
// it sets the gauges it owns from a source read then. fn bounds its own
// time (Sampled does).
func (r *Registry) BeforeScrape(fn func(context.Context)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.before = append(r.before, fn)
}

// Append runs the scrape hooks and appends every family, sorted by name,
// to b.
func (r *Registry) Append(ctx context.Context, b []byte) []byte {
	r.mu.Lock()
	before := slices.Clone(r.before)
	fams := slices.Clone(r.families)
	r.mu.Unlock()
	for _, fn := range before {
		fn(ctx)
	}
	slices.SortFunc(fams, func(a, b family) int { return strings.Compare(a.name(), b.name()) })
	for _, f := range fams {
		s := f.appendSamples(nil)
		if len(s) == 0 {
			continue // no series yet, or a gauge not read this time
		}
		b = f.appendHeader(b)
		b = append(b, s...)
	}
	return b
}

// Handler serves the registry at GET (and HEAD).
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		b := r.Append(req.Context(), make([]byte, 0, 16<<10))
		h := w.Header()
		h.Set("Content-Type", ContentType)
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Length", strconv.Itoa(len(b)))
		if req.Method == http.MethodHead {
			return
		}
		w.Write(b)
	})
}

// desc is a family's name, help and type.
type desc struct {
	n, help, typ string
}

func (d desc) name() string { return d.n }

func (d desc) appendHeader(b []byte) []byte {
	b = append(b, "# HELP "...)
	b = append(b, d.n...)
	b = append(b, ' ')
	b = appendEscaped(b, d.help, false)
	b = append(b, "\n# TYPE "...)
	b = append(b, d.n...)
	b = append(b, ' ')
	b = append(b, d.typ...)
	return append(b, '\n')
}

// appendEscaped escapes s for a HELP line (backslash, line feed) or, with
// quote, for a label value (also the double quote).
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// labelText is the inside of a series' braces: a="x",b="y" (escaped), in
// the order of names.
func labelText(names []string, values []string) string {
	if len(names) != len(values) {
		panic(fmt.Sprintf("prom: %d label names, %d values", len(names), len(values)))
	}
	var b []byte
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, n...)
		b = append(b, `="`...)
		b = appendEscaped(b, values[i], true)
		b = append(b, '"')
	}
	return string(b)
}

// appendSample appends one line: name{labels[,extra]} value.
func appendSample(b []byte, name, suffix, labels, extra string, v float64) []byte {
	b = append(b, name...)
	b = append(b, suffix...)
	if labels != "" || extra != "" {
		b = append(b, '{')
		b = append(b, labels...)
		if labels != "" && extra != "" {
			b = append(b, ',')
		}
		b = append(b, extra...)
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = appendFloat(b, v)
	return append(b, '\n')
}

// appendFloat writes v as the format wants it: shortest round-tripping
// decimal, +Inf, -Inf or NaN.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// vec is the series of one labelled family, keyed by K: a comparable
// value the caller has at hand (a string, a struct of a string and an
// int), so finding a series allocates nothing.
type vec[K comparable, S any] struct {
	desc
	labelNames []string
	values     func(K) []string
	newSeries  func() *S

	mu     sync.RWMutex
	series map[K]*entry[S]
}

type entry[S any] struct {
	labels string
	s      S
}

func (v *vec[K, S]) get(k K) *S {
	v.mu.RLock()
	e := v.series[k]
	v.mu.RUnlock()
	if e != nil {
		return &e.s
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if e := v.series[k]; e != nil {
		return &e.s
	}
	e = &entry[S]{labels: labelText(v.labelNames, v.values(k))}
	if v.newSeries != nil {
		e.s = *v.newSeries()
	}
	v.series[k] = e
	return &e.s
}

// sorted returns the series ordered by their label text, so a scrape's
// output is stable.
func (v *vec[K, S]) sorted() []*entry[S] {
	v.mu.RLock()
	out := make([]*entry[S], 0, len(v.series))
	for _, e := range v.series {
		out = append(out, e)
	}
	v.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].labels < out[j].labels })
	return out
}

// CounterVec is a counter with labels: one series per key K, whose label
// values values(K) gives (called once per new key).
type CounterVec[K comparable] struct {
	v vec[K, atomic.Uint64]
}

// NewCounterVec registers a counter family; its name ends in _total.
func NewCounterVec[K comparable](r *Registry, name, help string, labelNames []string, values func(K) []string) *CounterVec[K] {
	c := &CounterVec[K]{v: vec[K, atomic.Uint64]{desc: desc{name, help, typeCounter}, labelNames: labelNames,
		values: values, series: map[K]*entry[atomic.Uint64]{}}}
	r.add(c, typeCounter, labelNames)
	return c
}

// Add adds n to k's series.
func (c *CounterVec[K]) Add(k K, n uint64) { c.v.get(k).Add(n) }

// Inc adds one to k's series.
func (c *CounterVec[K]) Inc(k K) { c.v.get(k).Add(1) }

// Value is k's count (0 for a series not seen): for tests.
func (c *CounterVec[K]) Value(k K) uint64 {
	c.v.mu.RLock()
	defer c.v.mu.RUnlock()
	if e := c.v.series[k]; e != nil {
		return e.s.Load()
	}
	return 0
}

func (c *CounterVec[K]) name() string                 { return c.v.n }
func (c *CounterVec[K]) appendHeader(b []byte) []byte { return c.v.appendHeader(b) }
func (c *CounterVec[K]) appendSamples(b []byte) []byte {
	for _, e := range c.v.sorted() {
		b = appendSample(b, c.v.n, "", e.labels, "", float64(e.s.Load()))
	}
	return b
}

// Counter is a counter without labels; it is written from the start, at 0.
type Counter struct {
	desc
	v atomic.Uint64
}

// NewCounter registers a counter; its name ends in _total.
func NewCounter(r *Registry, name, help string) *Counter {
	c := &Counter{desc: desc{name, help, typeCounter}}
	r.add(c, typeCounter, nil)
	return c
}

// Inc adds one.
func (c *Counter) Inc() { c.v.Add(1) }

// Value is the count.
func (c *Counter) Value() uint64 { return c.v.Load() }

func (c *Counter) appendSamples(b []byte) []byte {
	return appendSample(b, c.n, "", "", "", float64(c.v.Load()))
}

// Histogram counts observations into fixed buckets: each bucket counts
// the observations at or below its upper bound, and one more counts the
// rest (+Inf). The buckets are kept apart and summed when written, so the
// written buckets are cumulative and _count always equals the +Inf
// bucket, even while observations land during a scrape.
type Histogram struct {
	bounds []float64
	counts []atomic.Uint64 // len(bounds)+1; the last is above every bound
	sum    atomic.Uint64   // float64 bits
}

func newHistogram(bounds []float64) *Histogram {
	return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

// Observe counts v.
func (h *Histogram) Observe(v float64) {
	// The first bound at or above v: le is "less than or equal".
	i := sort.SearchFloat64s(h.bounds, v)
	h.counts[i].Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// ObserveDuration counts d in seconds.
func (h *Histogram) ObserveDuration(d time.Duration) { h.Observe(d.Seconds()) }

// Snapshot returns the cumulative count at each bound (the last: +Inf),
// the total count and the sum.
func (h *Histogram) Snapshot() (cumulative []uint64, count uint64, sum float64) {
	cumulative = make([]uint64, len(h.counts))
	for i := range h.counts {
		count += h.counts[i].Load()
		cumulative[i] = count
	}
	return cumulative, count, math.Float64frombits(h.sum.Load())
}

func (h *Histogram) appendTo(b []byte, name, labels string, les []string) []byte {
	cum, count, sum := h.Snapshot()
	for i, c := range cum {
		b = appendSample(b, name, "_bucket", labels, les[i], float64(c))
	}
	b = appendSample(b, name, "_sum", labels, "", sum)
	return appendSample(b, name, "_count", labels, "", float64(count))
}

// HistogramVec is a histogram with labels, every series with the same
// bucket bounds.
type HistogramVec[K comparable] struct {
	v   vec[K, Histogram]
	les []string // le="..." for each bound and +Inf
}

// NewHistogramVec registers a histogram family with the given upper
// bounds (ascending, finite; +Inf is added).
func NewHistogramVec[K comparable](r *Registry, name, help string, bounds []float64, labelNames []string, values func(K) []string) *HistogramVec[K] {
	for i, ub := range bounds {
		if math.IsInf(ub, 0) || math.IsNaN(ub) || (i > 0 && ub <= bounds[i-1]) {
			panic(fmt.Sprintf("prom: %s: bounds must be finite and strictly ascending: %v", name, bounds))
		}
	}
	if len(bounds) == 0 {
		panic(fmt.Sprintf("prom: %s: no bounds", name))
	}
	bounds = slices.Clone(bounds)
	les := make([]string, 0, len(bounds)+1)
	for _, ub := range bounds {
		les = append(les, `le="`+string(appendFloat(nil, ub))+`"`)
	}
	les = append(les, `le="+Inf"`)
	h := &HistogramVec[K]{les: les, v: vec[K, Histogram]{desc: desc{name, help, typeHistogram}, labelNames: labelNames,
		values: values, series: map[K]*entry[Histogram]{}, newSeries: func() *Histogram { return newHistogram(bounds) }}}
	r.add(h, typeHistogram, labelNames)
	return h
}

// With returns k's histogram.
func (h *HistogramVec[K]) With(k K) *Histogram { return h.v.get(k) }

func (h *HistogramVec[K]) name() string                 { return h.v.n }
func (h *HistogramVec[K]) appendHeader(b []byte) []byte { return h.v.appendHeader(b) }
func (h *HistogramVec[K]) appendSamples(b []byte) []byte {
	for _, e := range h.v.sorted() {
		b = e.s.appendTo(b, h.v.n, e.labels, h.les)
	}
	return b
}

// Gauge is a value set from outside; a gauge not set since the last
// Unset (or ever) is left out of the scrape rather than written stale.
type Gauge struct {
	desc
	bits atomic.Uint64
	set  atomic.Bool
}

// NewGauge registers a gauge without labels.
func NewGauge(r *Registry, name, help string) *Gauge {
	g := &Gauge{desc: desc{name, help, typeGauge}}
	r.add(g, typeGauge, nil)
	return g
}

// Set sets the value.
func (g *Gauge) Set(v float64) { g.bits.Store(math.Float64bits(v)); g.set.Store(true) }

// Unset leaves the gauge out until the next Set.
func (g *Gauge) Unset() { g.set.Store(false) }

func (g *Gauge) appendSamples(b []byte) []byte {
	if !g.set.Load() {
		return b
	}
	return appendSample(b, g.desc.n, "", "", "", math.Float64frombits(g.bits.Load()))
}

// Sampled reads gauges from a source at each scrape, all at once and
// within timeout (one database query for several gauges). When the read
// fails the gauges are left out of that scrape, not written stale, and
// errs counts the failure.
func Sampled(r *Registry, timeout time.Duration, errs *Counter, read func(context.Context) error, gauges ...*Gauge) {
	r.BeforeScrape(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if err := read(ctx); err != nil {
			for _, g := range gauges {
				g.Unset()
			}
			if errs != nil {
				errs.Inc()
			}
		}
	})
}
