package load

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/honnin/honnin/edge/metrics"
)

// The native edge's queue gauges (edge/metrics), read from its admin
// listener's /metrics.
const (
	pendingGauge = metrics.Prefix + "reports_pending"
	ageGauge     = metrics.Prefix + "reports_oldest_pending_age_seconds"
)

// Queue is the edge's queue of outcome reports owed to the issuer at one
// moment: the issue's "reports delivered fast enough that the queue stays
// near empty at the verify rate" is read off these.
type Queue struct {
	Depth     int64         // outcomes not yet delivered, retries included
	OldestAge time.Duration // how long the oldest of them has waited; 0 if none
}

// ParseQueue reads Queue out of the edge's exposition text. The gauges
// are left out of a scrape whose read of the queue failed (edge/metrics),
// so a missing one is an error, not an empty queue.
func ParseQueue(exposition string) (Queue, error) {
	var (
		q            Queue
		depth, age   bool
		depthV, ageV float64
		sc           = bufio.NewScanner(strings.NewReader(exposition))
		parse        = func(name, rest string) (float64, error) {
			// "value [timestamp]"
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0, fmt.Errorf("load: %s: no value", name)
			}
			v, err := strconv.ParseFloat(f[0], 64)
			if err != nil || v < 0 || v != v {
				return 0, fmt.Errorf("load: %s: bad value %q", name, f[0])
			}
			return v, nil
		}
	)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		var err error
		switch name {
		case pendingGauge:
			depthV, err = parse(name, rest)
			depth = true
		case ageGauge:
			ageV, err = parse(name, rest)
			age = true
		}
		if err != nil {
			return Queue{}, err
		}
	}
	if err := sc.Err(); err != nil {
		return Queue{}, fmt.Errorf("load: edge metrics: %w", err)
	}
	if !depth || !age {
		return Queue{}, fmt.Errorf("load: edge metrics: no %s or %s (the edge could not read its queue)", pendingGauge, ageGauge)
	}
	q.Depth = int64(depthV)
	q.OldestAge = time.Duration(ageV * float64(time.Second))
	return q, nil
}

// QueueStats is what one verify level did to the edge's report queue.
type QueueStats struct {
	// Peak is the deepest the queue was read during the level and at its
	// end.
	Peak int64
	// End is the queue as the level's last answer came back; EndRead is
	// false when it could not be read.
	End     Queue
	EndRead bool
	// Drained: the queue was read empty within QueueWatch.DrainWait after
	// the level, Drain after its end (0: it was empty at the end). When
	// not, Drain is how long the watch waited and Left what it last read.
	Drained bool
	Drain   time.Duration
	Left    int64
	// Failed counts the reads that got no gauges.
	Failed int
}

// QueueWatch reads the native edge's admin /metrics during a level and
// after it until the queue is empty, bounded.
type QueueWatch struct {
	// URL is the edge's admin /metrics, on loopback.
	URL string
	// Every is the time between reads.
	Every time.Duration
	// DrainWait bounds the wait for the queue to empty after a level.
	DrainWait time.Duration
	// Client reads URL; nil: a client with a 5 s timeout.
	Client *http.Client
	// now is the clock Drain is measured with; nil: time.Now (tests set
	// one that steps).
	now func() time.Time
}

// NewQueueWatch checks that url is on loopback.
func NewQueueWatch(url string, every, drainWait time.Duration) (*QueueWatch, error) {
	if err := CheckLoopback(url); err != nil {
		return nil, err
	}
	return &QueueWatch{URL: url, Every: every, DrainWait: drainWait}, nil
}

// Read is the queue now.
func (w *QueueWatch) Read(ctx context.Context) (Queue, error) {
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.URL, nil)
	if err != nil {
		return Queue{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return Queue{}, fmt.Errorf("load: edge metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return Queue{}, fmt.Errorf("load: edge metrics: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Queue{}, fmt.Errorf("load: edge metrics: %s", resp.Status)
	}
	return ParseQueue(string(body))
}

func (w *QueueWatch) clock() time.Time {
	if w.now != nil {
		return w.now()
	}
	return time.Now()
}

// watching is one level's watch, from Start to Stop.
type watching struct {
	w    *QueueWatch
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	st   QueueStats
}

// Start reads the queue every Every until Stop.
func (w *QueueWatch) Start(ctx context.Context) *watching {
	g := &watching{w: w, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(g.done)
		for {
			g.read(ctx)
			select {
			case <-g.stop:
				return
			case <-ctx.Done():
				return
			case <-time.After(w.Every):
			}
		}
	}()
	return g
}

// read reads the queue once and keeps its peak.
func (g *watching) read(ctx context.Context) (Queue, bool) {
	q, err := g.w.Read(ctx)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		g.st.Failed++
		return Queue{}, false
	}
	g.st.Peak = max(g.st.Peak, q.Depth)
	return q, true
}

// Stop ends the reads during the level, reads the queue at its end, then
// waits (at most DrainWait) for it to empty.
func (g *watching) Stop(ctx context.Context) QueueStats {
	close(g.stop)
	<-g.done
	end := g.w.clock()
	q, ok := g.read(ctx)
	g.st.End, g.st.EndRead = q, ok
	last := q.Depth
	for !ok || last > 0 {
		if g.w.clock().Sub(end) >= g.w.DrainWait || ctx.Err() != nil {
			g.st.Drain, g.st.Left = g.w.clock().Sub(end), last
			return g.st
		}
		select {
		case <-ctx.Done():
		case <-time.After(g.w.Every):
		}
		var q Queue
		if q, ok = g.read(ctx); ok {
			last = q.Depth
		}
	}
	g.st.Drained = true
	if g.st.End.Depth > 0 || !g.st.EndRead {
		g.st.Drain = g.w.clock().Sub(end)
	}
	return g.st
}

// queueDepth is a depth with thousands separated.
func queueDepth(n int64) string { return thousands(n) }

// queueEnd is the depth and oldest age at a level's end: "1,204, oldest
// 2.1 s".
func queueEnd(s QueueStats) string {
	if !s.EndRead {
		return "unread"
	}
	if s.End.Depth == 0 {
		return "0"
	}
	return fmt.Sprintf("%s, oldest %s", thousands(s.End.Depth), latency(s.End.OldestAge))
}

// queueDrain is how long the queue took to empty: "drained in 0.4 s", or
// "**not drained in 30 s** (120 left)".
func queueDrain(s QueueStats) string {
	switch {
	case s.Drained && s.Drain == 0:
		return "empty at end"
	case s.Drained:
		return "drained in " + latency(s.Drain)
	}
	return fmt.Sprintf("**not drained in %s** (%s left)", latency(s.Drain), thousands(s.Left))
}

// thousands is n with thousands separated: "1,526".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
