package explore_test

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
)

// TestSpillSameSearch: a breadth-first search whose frontier goes to disk
// (a budget of a few tiny chunks) finds exactly what one held in memory
// finds: the same counts, depth and deadlocks, the same shortest
// counterexample, on one worker and on two; and it leaves no file. Once
// a search spills, the collector's target is lowered, and it is given
// back when the search ends.
func TestSpillSameSearch(t *testing.T) {
	defer explore.SetChunkSize(64)()
	defer debug.SetGCPercent(debug.SetGCPercent(77))
	dir := t.TempDir()
	sawLow := false
	bad := func(st *tstate) string {
		if gogc() < 77 {
			sawLow = true
		}
		if st.Nodes[0].Count >= 2 && st.Used.Crashes > 0 {
			return fmt.Sprintf("%d pings after a crash", st.Nodes[0].Count)
		}
		return ""
	}
	spilledSome := false
	for _, o := range faultOptions {
		for _, b := range []func(*tstate) string{nil, bad} {
			for _, workers := range []int{1, 2} {
				p := &graphtest.Toy{Opt: o}
				mem := run(t, &model{tproto: p, bad: b}, topts{Workers: workers})
				disk := run(t, &model{tproto: p, bad: b}, topts{Workers: workers, FrontierMemory: 256, SpillDir: dir})
				if mem.Distinct != disk.Distinct || mem.Transitions != disk.Transitions || mem.MaxDepth != disk.MaxDepth ||
					mem.Deadlocks != disk.Deadlocks || mem.Complete != disk.Complete || fmt.Sprint(mem.Err()) != fmt.Sprint(disk.Err()) {
					t.Errorf("%+v, %d workers, bad %v: in memory %d states, %d transitions, depth %d, %v; spilled %d, %d, %d, %v",
						o, workers, b != nil, mem.Distinct, mem.Transitions, mem.MaxDepth, mem.Err(), disk.Distinct, disk.Transitions, disk.MaxDepth, disk.Err())
				}
				if (mem.Violation == nil) != (disk.Violation == nil) || len(mem.Path) != len(disk.Path) {
					t.Errorf("%+v, %d workers: counterexamples of %d and %d steps", o, workers, len(mem.Path), len(disk.Path))
				}
				if workers == 1 && fmt.Sprint(mem.Path) != fmt.Sprint(disk.Path) {
					t.Errorf("%+v: one worker, different counterexamples:\n%v\n%v", o, mem.Path, disk.Path)
				}
				if g := gogc(); g != 77 {
					t.Errorf("%+v, %d workers: after the search, GOGC is %d, want 77 back", o, workers, g)
				}
				if mem.Spilled != 0 {
					t.Errorf("a search with no budget spilled %d bytes", mem.Spilled)
				}
				spilledSome = spilledSome || (disk.Spilled > 0 && disk.SpilledDisk > 0)
			}
		}
	}
	if !spilledSome {
		t.Fatal("no search spilled: the test checks nothing")
	}
	if !sawLow {
		t.Error("no spilling search ran with the collector's target lowered")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the spill left %d files in %s", len(left), dir)
	}
}

// gogc is the collector's target in force (GOGC).
func gogc() int64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// TestSpillDirMissing: a spill directory that does not exist is an error
// of the search, not a crash.
func TestSpillDirMissing(t *testing.T) {
	defer explore.SetChunkSize(64)()
	p := &graphtest.Toy{Opt: graph.Options[tid]{Budget: graph.Budget{Drops: 1}}}
	_, err := explore.Run[tid, tclient, tnode, tmsg, uint8, teff](&model{tproto: p}, topts{FrontierMemory: 1, SpillDir: "/nonexistent/dir"})
	if err == nil || !strings.Contains(err.Error(), "a file for the frontier") {
		t.Fatalf("error %v", err)
	}
}

// TestSqueeze: --max-memory is a budget the search lives within: once the
// memory held passes three quarters of it, the frontier goes to disk
// whatever --frontier-memory allowed, and the search ends as one held in
// memory does; below that, nothing spills.
func TestSqueeze(t *testing.T) {
	defer explore.SetChunkSize(64)()
	const limit = 1 << 30
	p := &graphtest.Toy{Opt: graph.Options[tid]{Budget: graph.Budget{Drops: 1, Dups: 1, Crashes: 1}}}
	mem := run(t, &model{tproto: p}, topts{Workers: 2})
	for _, tc := range []struct {
		held   int64
		spills bool
	}{{limit / 2, false}, {limit / 4 * 3, false}, {limit/4*3 + 1, true}} {
		restore := explore.SetHeldMemory(func() int64 { return tc.held })
		r := run(t, &model{tproto: p}, topts{Workers: 2, MaxMemory: limit, FrontierMemory: 1 << 40, SpillDir: t.TempDir()})
		restore()
		if r.Distinct != mem.Distinct || r.Transitions != mem.Transitions || !r.Complete {
			t.Errorf("held %d: %d states, %d transitions, complete %v; in memory %d, %d", tc.held, r.Distinct, r.Transitions, r.Complete, mem.Distinct, mem.Transitions)
		}
		if (r.Spilled > 0) != tc.spills || (r.SqueezedAt > 0) != tc.spills {
			t.Errorf("held %d of %d: spilled %d bytes, squeezed at depth %d; want a squeeze: %v", tc.held, limit, r.Spilled, r.SqueezedAt, tc.spills)
		}
	}
	// A squeeze after a few levels: the frontier held in memory until
	// then is let go of, and the search still ends as in memory.
	var calls atomic.Int64
	restore := explore.SetHeldMemory(func() int64 {
		if calls.Add(1) > 3 {
			return limit/4*3 + 1
		}
		return 0
	})
	r := run(t, &model{tproto: p}, topts{Workers: 2, MaxMemory: limit, FrontierMemory: 1 << 40, SpillDir: t.TempDir()})
	restore()
	if r.Distinct != mem.Distinct || r.Transitions != mem.Transitions || r.Spilled == 0 || r.SqueezedAt < 2 {
		t.Errorf("a late squeeze: %d states, %d transitions (in memory %d, %d), spilled %d bytes, squeezed at depth %d",
			r.Distinct, r.Transitions, mem.Distinct, mem.Transitions, r.Spilled, r.SqueezedAt)
	}
}
