package load

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc/<pid>/stat's utime and stime per second
// (USER_HZ, getconf CLK_TCK). Linux reports 100 on every architecture Go
// runs on; getconf is asked once so that a kernel that differs is read
// right.
var clockTick = func() int {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && n > 0 {
			return n
		}
	}
	return 100
}()

// ParseStat reads the CPU time (utime + stime, in ticks) out of the text
// of /proc/<pid>/stat. The second field, the command name in parentheses,
// may itself hold spaces and parentheses, so the fields are counted from
// the last ')'.
func ParseStat(stat string) (ticks int64, err error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("load: /proc stat %q: no command name", stat)
	}
	// After ") ": state(3) ppid(4) ... utime(14) stime(15).
	f := strings.Fields(stat[i+1:])
	const utime, stime = 14 - 3, 15 - 3
	if len(f) <= stime {
		return 0, fmt.Errorf("load: /proc stat: %d fields after the name, want more than %d", len(f), stime)
	}
	u, err := strconv.ParseInt(f[utime], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("load: /proc stat utime: %w", err)
	}
	s, err := strconv.ParseInt(f[stime], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("load: /proc stat stime: %w", err)
	}
	return u + s, nil
}

// TicksToDuration converts clock ticks at hz per second to a duration.
func TicksToDuration(ticks int64, hz int) time.Duration {
	return time.Duration(ticks) * time.Second / time.Duration(hz)
}

// CPUTime is process pid's CPU time so far (user + system, its own
// threads, not its children's).
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("load: %w", err)
	}
	t, err := ParseStat(string(b))
	if err != nil {
		return 0, err
	}
	return TicksToDuration(t, clockTick), nil
}

// cpuTimes is CPUTime of each named pid; the unreadable are left out.
func cpuTimes(procs map[string]int) map[string]time.Duration {
	m := map[string]time.Duration{}
	for name, pid := range procs {
		if t, err := CPUTime(pid); err == nil {
			m[name] = t
		}
	}
	return m
}
