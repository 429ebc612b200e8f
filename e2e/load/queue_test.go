package load

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// exposition is an edge scrape with the queue gauges at depth and age
// (seconds), among the lines around them.
func exposition(depth int, age string) string {
	return "# HELP honnin_edge_reports_dead Outcomes refused.\n# TYPE honnin_edge_reports_dead gauge\nhonnin_edge_reports_dead 3\n" +
		"# HELP honnin_edge_reports_oldest_pending_age_seconds Age.\n# TYPE honnin_edge_reports_oldest_pending_age_seconds gauge\n" +
		"honnin_edge_reports_oldest_pending_age_seconds " + age + "\n" +
		"# HELP honnin_edge_reports_pending Queued.\n# TYPE honnin_edge_reports_pending gauge\n" +
		fmt.Sprintf("honnin_edge_reports_pending %d\n", depth) +
		"honnin_edge_http_requests_total{route=\"POST /v1/verify\",code=\"200\"} 1526\n"
}

func TestParseQueue(t *testing.T) {
	for _, tt := range []struct {
		name    string
		text    string
		want    Queue
		wantErr string
	}{
		{"behind", exposition(1204, "2.125"), Queue{Depth: 1204, OldestAge: 2125 * time.Millisecond}, ""},
		{"empty", exposition(0, "0"), Queue{}, ""},
		{"with a timestamp", "honnin_edge_reports_pending 7 1733450000000\nhonnin_edge_reports_oldest_pending_age_seconds 0.5\n",
			Queue{Depth: 7, OldestAge: 500 * time.Millisecond}, ""},
		{"gauges left out (the edge could not read its queue)", "honnin_edge_scrape_errors_total 1\n", Queue{}, "could not read its queue"},
		{"age missing", "honnin_edge_reports_pending 7\n", Queue{}, "could not read its queue"},
		{"a longer name is another metric", "honnin_edge_reports_pending_total 7\nhonnin_edge_reports_oldest_pending_age_seconds 1\n", Queue{}, "could not read its queue"},
		{"not a number", "honnin_edge_reports_pending seven\nhonnin_edge_reports_oldest_pending_age_seconds 1\n", Queue{}, "bad value"},
		{"negative", "honnin_edge_reports_pending -1\nhonnin_edge_reports_oldest_pending_age_seconds 1\n", Queue{}, "bad value"},
		{"NaN", "honnin_edge_reports_pending 1\nhonnin_edge_reports_oldest_pending_age_seconds NaN\n", Queue{}, "bad value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQueue(tt.text)
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("ParseQueue = %+v, %v; want an error with %q", got, err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Fatalf("ParseQueue: %v", err)
			case got != tt.want:
				t.Errorf("ParseQueue = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// scripted is an edge admin /metrics that answers each read with the next
// depth of its script (the last one once the script is used up; -1: the
// gauges left out), and a clock that moves one second per reading of it.
// The reads during the level stay at the script's entry hold-1 however
// many there are, until the test releases them as it stops the watch.
type scripted struct {
	mu       sync.Mutex
	depths   []int
	next     int
	reads    int
	hold     int
	released bool
	clock    time.Time
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d := s.depths[min(s.next, len(s.depths)-1)]
	s.reads++
	if s.released || s.next < s.hold-1 {
		s.next++
	}
	s.mu.Unlock()
	if d < 0 {
		fmt.Fprint(w, "honnin_edge_scrape_errors_total 1\n")
		return
	}
	fmt.Fprint(w, exposition(d, fmt.Sprint(d/10)))
}

func (s *scripted) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = s.clock.Add(time.Second)
	return s.clock
}

// watch runs a level whose reads during it are the first duringReads of
// script, then Stop.
func watch(t *testing.T, script []int, duringReads int, drainWait time.Duration) (QueueStats, int) {
	t.Helper()
	s := &scripted{depths: script, hold: duringReads}
	srv := httptest.NewServer(s)
	defer srv.Close()
	w, err := NewQueueWatch(srv.URL+"/metrics", time.Millisecond, drainWait)
	if err != nil {
		t.Fatal(err)
	}
	w.now = s.now
	// The level: the reads during it are made by the watch's own
	// goroutine; the test waits until it has made duringReads of them.
	g := w.Start(context.Background())
	for {
		s.mu.Lock()
		n := s.reads
		s.mu.Unlock()
		if n >= duringReads {
			break
		}
		time.Sleep(time.Millisecond)
	}
	// At most one read of the level's goroutine may still take the
	// script's next entry after this; the scripts allow for it.
	s.mu.Lock()
	s.released = true
	s.mu.Unlock()
	st := g.Stop(context.Background())
	s.mu.Lock()
	defer s.mu.Unlock()
	return st, s.reads
}

func TestQueueWatch(t *testing.T) {
	t.Run("drains", func(t *testing.T) {
		// Rising during the level, 900 at its end, then draining.
		st, _ := watch(t, []int{10, 400, 1200, 1000, 1000, 900, 300, 0}, 3, time.Hour)
		if st.Peak < 1200 || !st.EndRead || st.End.Depth == 0 || !st.Drained || st.Drain <= 0 || st.Failed != 0 {
			t.Errorf("stats %+v: want peak 1200, a non-empty end read, drained after a while, no failures", st)
		}
		if st.End.Depth > 0 && st.End.OldestAge != time.Duration(st.End.Depth/10)*time.Second {
			t.Errorf("end %+v: oldest age not read", st.End)
		}
	})
	t.Run("empty at the end", func(t *testing.T) {
		st, _ := watch(t, []int{0}, 1, time.Hour)
		if st.Peak != 0 || !st.EndRead || st.End != (Queue{}) || !st.Drained || st.Drain != 0 {
			t.Errorf("stats %+v: want an empty queue throughout, drained at once", st)
		}
	})
	t.Run("never drains within the wait", func(t *testing.T) {
		// The clock moves a second per reading; the wait is 5 s.
		st, reads := watch(t, []int{50, 60}, 1, 5*time.Second)
		if st.Drained || st.Left != 60 || st.Drain < 5*time.Second || st.Peak != 60 {
			t.Errorf("stats %+v: want not drained, 60 left after at least 5 s, peak 60", st)
		}
		if reads > 20 {
			t.Errorf("%d reads: the wait is not bounded by the clock", reads)
		}
	})
	t.Run("unreadable reads are counted, not taken for an empty queue", func(t *testing.T) {
		st, _ := watch(t, []int{-1, -1, -1, 5, 0}, 1, time.Hour)
		if st.Failed == 0 || !st.Drained || st.Peak != 5 {
			t.Errorf("stats %+v: want failed reads counted, then the 5 read, then drained", st)
		}
	})
}

func TestNewQueueWatchLoopbackOnly(t *testing.T) {
	if _, err := NewQueueWatch("http://192.0.2.1:9000/metrics", time.Second, time.Second); err == nil {
		t.Error("a watch off loopback was accepted")
	}
}

func TestQueueCells(t *testing.T) {
	for _, tt := range []struct {
		name       string
		st         QueueStats
		end, drain string
	}{
		{"empty", QueueStats{EndRead: true, Drained: true}, "0", "empty at end"},
		{"drained", QueueStats{Peak: 1500, EndRead: true, End: Queue{1204, 2100 * time.Millisecond}, Drained: true, Drain: 400 * time.Millisecond},
			"1,204, oldest 2.1 s", "drained in 400 ms"},
		{"not drained", QueueStats{Peak: 3000, EndRead: true, End: Queue{2949, 20 * time.Second}, Drain: 30 * time.Second, Left: 120},
			"2,949, oldest 20.0 s", "**not drained in 30.0 s** (120 left)"},
		{"end unread", QueueStats{Failed: 3, Drained: true, Drain: time.Second}, "unread", "drained in 1.0 s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := queueEnd(tt.st); got != tt.end {
				t.Errorf("queueEnd = %q, want %q", got, tt.end)
			}
			if got := queueDrain(tt.st); got != tt.drain {
				t.Errorf("queueDrain = %q, want %q", got, tt.drain)
			}
		})
	}
}
