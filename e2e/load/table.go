package load

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honnin/honnin/edge/limits"
)

// Row is one work kind at one level.
type Row struct {
	Work string
	Level
}

// Processes are the processes whose CPU the table shows, in its order.
var Processes = []string{"issuer", "edge", "mailsink"}

// WriteTable writes rows as a Markdown table: throughput, latency, the
// unexpected answers with what they were, CPU per request of each of
// Processes, and, when any row watched it, the edge's report queue: its
// peak depth during the level, its depth and oldest report's age at the
// level's end, and how long it then took to empty.
func WriteTable(w io.Writer, rows []Row) error {
	queue := slices.ContainsFunc(rows, func(r Row) bool { return r.Queue != nil })
	var b strings.Builder
	b.WriteString("| work | clients | requests/s | p50 | p99 | errors |")
	for _, p := range Processes {
		fmt.Fprintf(&b, " %s CPU/req |", p)
	}
	if queue {
		b.WriteString(" report queue peak | at end | drain after the level |")
	}
	b.WriteString("\n|---|---:|---:|---:|---:|---|")
	for range Processes {
		b.WriteString("---:|")
	}
	if queue {
		b.WriteString("---:|---:|---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s |", r.Work, r.Clients, perSecond(r.PerSecond()),
			latency(r.P50), latency(r.P99), errorCell(r.Errors, r.Statuses))
		for _, p := range Processes {
			c, ok := r.CPU[p]
			if !ok || r.Requests == 0 {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(&b, " %.2f ms |", float64(c)/float64(r.Requests)/float64(time.Millisecond))
		}
		switch {
		case !queue:
		case r.Queue == nil:
			b.WriteString(" – | – | – |")
		default:
			fmt.Fprintf(&b, " %s | %s | %s |", queueDepth(r.Queue.Peak), queueEnd(*r.Queue), queueDrain(*r.Queue))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// perSecond is a rate with thousands separated: "1,526/s".
func perSecond(v float64) string {
	return thousands(int64(v+0.5)) + "/s"
}

// latency is a duration at the precision worth reading: "0.8 ms",
// "45 ms", "1.3 s".
func latency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms >= 1000:
		return fmt.Sprintf("%.1f s", ms/1000)
	case ms >= 10:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

// errorCell is the count and, when there are any, each label with its
// count, most frequent first: "**29**: 22 × start 502, 7 × create 500".
func errorCell(n int, statuses map[string]int) string {
	if n == 0 {
		return "0"
	}
	labels := slices.SortedFunc(maps.Keys(statuses), func(a, b string) int {
		if statuses[a] != statuses[b] {
			return statuses[b] - statuses[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = fmt.Sprintf("%d × %s", statuses[l], l)
	}
	return fmt.Sprintf("**%d**: %s", n, strings.Join(parts, ", "))
}

// Machine is the machine line under each table: cores, CPU model, memory
// and Go version, as e2e/bench.sh writes it.
func Machine(cores int, cpu string, memGiB int, goVersion string) string {
	if cpu == "" {
		cpu = "unknown CPU"
	}
	return fmt.Sprintf("Machine: %d cores, %s, %d GiB; %s.", cores, cpu, memGiB, goVersion)
}

// ThisMachine is Machine for the machine the driver runs on.
func ThisMachine() string {
	cpu, mem := "", 0
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.Atoi(f[1])
				mem = (kb + 1<<19) >> 20
				break
			}
		}
		f.Close()
	}
	return Machine(runtime.NumCPU(), cpu, mem, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
}

// Database is one database's run: its name as the table's heading says it
// ("SQLite", "PostgreSQL") and its rows.
type Database struct {
	Name string
	Rows []Row
}

// WriteSection writes the Markdown section make bench appends to
// e2e/BENCHMARKS.md: what was run (d per level, the report queue read
// every queueEvery), then one table per database, each with the machine
// line.
func WriteSection(w io.Writer, at time.Time, machine string, d, queueEvery time.Duration, cards int, dbs []Database) error {
	fmt.Fprintf(w, "\n## Load on the native processes\n\n")
	fmt.Fprintf(w, "Run on %s. `e2e/bench-load.sh` (e2e/cmd/load): the issuer, edge and dev mail sink as native\n", at.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "processes on loopback (e2e/stack, risk configuration e2e/testdata/risk-load.json: every start a\n")
	fmt.Fprintf(w, "challenge), driven by 1, 4, 16 and 64 concurrent clients, %s per level, over %d cards (method email)\n", d, cards)
	fmt.Fprintf(w, "on one merchant. A create + start is one request: the merchant's create, then the edge's start, which\n")
	fmt.Fprintf(w, "mails the code to the sink. For the verify rows each level first opens one challenge per card (not\n")
	fmt.Fprintf(w, "measured); wrong-code gives each %d wrong codes, spread over all of them (the authentication allows %d,\n", wrongPerChallenge, limits.AttemptsPerAuthentication)
	fmt.Fprintf(w, "so every answer is a compared wrong code), then right-code gives each its code from the mail; so these\n")
	fmt.Fprintf(w, "levels end early when the challenges are used up. Errors are every answer that was not the expected\n")
	fmt.Fprintf(w, "one (create 201, start's challenge with the code sent, verify's wrong_code or Y), transport errors\n")
	fmt.Fprintf(w, "included. CPU per request is each process's user + system time from /proc over the level, divided by\n")
	fmt.Fprintf(w, "its requests. The verify rows also watch the native edge's queue of outcome reports owed to the issuer\n")
	fmt.Fprintf(w, "(every wrong code and every result is one), read from its admin /metrics (honnin_edge_reports_pending,\n")
	fmt.Fprintf(w, "honnin_edge_reports_oldest_pending_age_seconds) every %s: its peak during the level, its depth and\n", queueEvery)
	fmt.Fprintf(w, "oldest report's age when the level's last answer came back, and how long it then took to read 0 (the next\n")
	fmt.Fprintf(w, "level starts after that, or after a bounded wait); the delivery after the level is in no level's CPU.\n")
	for _, db := range dbs {
		fmt.Fprintf(w, "\n### %s\n\n%s\n\n", db.Name, machine)
		if err := WriteTable(w, db.Rows); err != nil {
			return err
		}
	}
	return nil
}
