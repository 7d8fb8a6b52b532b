package explore

import (
	"bufio"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxMemory is the memory limit of a search when Options.MaxMemory
// is 0: three quarters of the memory available when it starts (Linux's
// MemAvailable, and no more than the cgroup's limit less what the cgroup
// already uses), or 4 GiB where neither can be read. A search that would
// need more stops with its statistics so far, rather than being killed by
// the kernel's out-of-memory killer with nothing said.
func DefaultMaxMemory() int64 {
	avail := memAvailable()
	if lim, used, ok := cgroupMemory(); ok && (avail <= 0 || lim-used < avail) {
		avail = lim - used
	}
	if avail <= 0 {
		return 4 << 30
	}
	return avail / 4 * 3
}

// memAvailable reads MemAvailable from /proc/meminfo (bytes; 0 if not
// known).
func memAvailable() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// cgroupMemory reads the cgroup v2 memory limit and usage of this process.
func cgroupMemory() (limit, used int64, ok bool) {
	read := func(name string) (int64, bool) {
		b, err := os.ReadFile("/sys/fs/cgroup/" + name)
		if err != nil {
			return 0, false
		}
		x, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return x, err == nil
	}
	limit, ok1 := read("memory.max") // "max" (no limit) does not parse
	used, ok2 := read("memory.current")
	return limit, used, ok1 && ok2
}

// heldNow is the memory the Go runtime holds from the system, less what
// it has given back: what counts against a limit. A variable so that
// tests can make the process look full.
var heldNow = func() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}

// nearLimit reports whether held is past three quarters of limit, where a
// search squeezes its frontier (search.squeeze).
func nearLimit(held, limit int64) bool { return held > limit/4*3 }

// watchMemory calls over whenever the memory held is above limit, and
// near whenever it is above three quarters of it, and returns when done
// is closed. It samples every 50 ms: the search grows by far less than
// the margin below the limit in that time.
func watchMemory(limit int64, done <-chan struct{}, near, over func()) {
	every(50*time.Millisecond, done, func() {
		switch h := heldNow(); {
		case h > limit:
			over()
		case nearLimit(h, limit):
			near()
		}
	})
}

// every calls f every d until done is closed.
func every(d time.Duration, done <-chan struct{}, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			f()
		}
	}
}
