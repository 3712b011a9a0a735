package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of /proc's CPU times (USER_HZ), 100 on every
// Linux that matters.
const clockTick = 10 * time.Millisecond

// cpuSample is where CPU time had gone at one moment: to cctvd itself, to
// the processes it ran (ffmpeg), to this load generator and to the whole
// machine, since the machine may be shared.
type cpuSample struct {
	daemon, children, self, busy time.Duration
	// softirq is the kernel's packet work, loopback TCP included: no
	// process is charged for it.
	softirq time.Duration
	at      time.Time
}

func sampleCPU(pid int) cpuSample {
	s := cpuSample{at: time.Now()}
	if f := procStat(pid); f != nil {
		s.daemon = ticks(f[13]) + ticks(f[14])
		// Children already waited for are in cutime and cstime; the ones
		// still running are summed from their own stat.
		s.children = ticks(f[15]) + ticks(f[16]) + descendants(pid)
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		// user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
		for i, v := range f[1:min(len(f), 9)] {
			if i != 3 && i != 4 {
				s.busy += ticks(v)
			}
			if i == 6 {
				s.softirq = ticks(v)
			}
		}
	}
	return s
}

func (s cpuSample) sub(t cpuSample) cpuSample {
	return cpuSample{daemon: s.daemon - t.daemon, children: s.children - t.children, self: s.self - t.self,
		busy: s.busy - t.busy, softirq: s.softirq - t.softirq, at: s.at}
}

// descendants sums the CPU time of pid's running descendants, their own
// waited-for children included.
func descendants(pid int) time.Duration {
	var sum time.Duration
	for _, c := range children(pid) {
		if f := procStat(c); f != nil {
			sum += ticks(f[13]) + ticks(f[14]) + ticks(f[15]) + ticks(f[16])
		}
		sum += descendants(c)
	}
	return sum
}

func children(pid int) []int {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	var out []int
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// procStat returns the fields of /proc/PID/stat, numbered from 0 as in
// proc(5) minus one; the command name, which may hold spaces, is skipped.
func procStat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	f := append([]string{"pid", "comm"}, strings.Fields(s[i+1:])...)
	if len(f) < 17 {
		return nil
	}
	return f
}

func ticks(s string) time.Duration {
	n, _ := strconv.ParseInt(s, 10, 64)
	return time.Duration(n) * clockTick
}
