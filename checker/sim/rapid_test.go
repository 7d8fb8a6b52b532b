package sim_test

import (
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/sim"
	"pgregory.net/rapid"
)

// The rapid driver lives in the tests only: rapid keeps its settings in
// package-level command-line flags and reports through a testing.TB, so
// production code (the simulate command) uses the seeded PRNG chooser and
// Shrink, and never rapid.

// RapidChooser draws every choice from rapid, so that rapid's shrinker can
// shrink a failing schedule: it shrinks draws towards 0, and the simulator
// orders its options so that 0 is the most ordinary one (deliver the first
// message in flight).
type RapidChooser struct {
	T *rapid.T
}

// Choose implements Chooser.
func (c RapidChooser) Choose(n int, label string) int {
	return rapid.IntRange(0, n-1).Draw(c.T, label)
}

// RapidConfig configures RapidCheck.
type RapidConfig struct {
	// Seed is rapid's seed (-rapid.seed); 0 is not allowed, it would make
	// rapid pick a random one.
	Seed uint64
	// Checks is the number of schedules rapid generates before giving up
	// (-rapid.checks; under -short rapid runs a fifth of -rapid.checks, so
	// RapidCheck then asks for five times as many, and Checks is what runs).
	Checks int
	// ShrinkTime bounds the time rapid spends shrinking
	// (-rapid.shrinktime); 0 keeps rapid's default (30 s).
	ShrinkTime time.Duration
	// Invariant, when set, is the invariant a schedule must break to count
	// as failing; otherwise any violation counts.
	Invariant string
}

// rapidMu serializes RapidCheck: rapid keeps its settings in package-level
// flags.
var rapidMu sync.Mutex

// RapidCheck lets rapid drive the simulator: the property runs one
// schedule whose every choice is drawn through RapidChooser and fails when
// an invariant breaks. rapid generates schedules until one fails, then
// shrinks it with its own shrinker (deleting and minimizing draws; choice 0
// is an ordinary delivery, so shrinking removes faults). The returned
// Result is the shortest failing schedule seen, which is rapid's final,
// minimized one, replayed through Replay so that its violation is exact;
// nil when rapid found no failure within cfg.Checks schedules.
//
// rapid reads its settings from its command-line flags; RapidCheck sets
// -rapid.seed, -rapid.checks, -rapid.nofailfile (and -rapid.shrinktime) for the duration of the
// call (restoring them after) and must not run concurrently with another
// rapid check in the same process.
func rapidCheck(s *paxosmodel.Sim, cfg RapidConfig) (*paxosmodel.Result, error) {
	if cfg.Seed == 0 || cfg.Checks < 1 {
		return nil, fmt.Errorf("%w: rapid needs a non-zero seed and at least one check (got seed %d, checks %d)", sim.ErrOptions, cfg.Seed, cfg.Checks)
	}
	rapidMu.Lock()
	defer rapidMu.Unlock()
	checks := cfg.Checks
	if testing.Short() {
		checks *= 5 // rapid divides -rapid.checks by 5 under -short
	}
	set := map[string]string{
		"rapid.seed":       strconv.FormatUint(cfg.Seed, 10),
		"rapid.checks":     strconv.Itoa(checks),
		"rapid.nofailfile": "true",
	}
	if cfg.ShrinkTime > 0 {
		set["rapid.shrinktime"] = cfg.ShrinkTime.String()
	}
	restore, err := setFlags(set)
	if err != nil {
		return nil, err
	}
	defer restore()

	var best *paxosmodel.Result
	prop := func(t *rapid.T) {
		r := s.RunWith(RapidChooser{T: t})
		if r.Violation == nil || (cfg.Invariant != "" && r.Violation.Invariant != cfg.Invariant) {
			return
		}
		if best == nil || len(r.Actions) <= len(best.Actions) {
			best = r
		}
		t.Fatalf("%v", r.Violation)
	}
	tb := &quietTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		rapid.Check(tb, prop)
	}()
	<-done
	if best == nil {
		return nil, nil
	}
	r := s.Replay(best.Actions)
	r.Seed = cfg.Seed
	return r, nil
}

// setFlags sets rapid's flags on the default FlagSet (where rapid
// registers them) and returns a function that restores their old values.
func setFlags(vals map[string]string) (func(), error) {
	old := map[string]string{}
	for name, v := range vals {
		f := flag.Lookup(name)
		if f == nil {
			return nil, fmt.Errorf("rapid flag -%s not registered", name)
		}
		old[name] = f.Value.String()
		if err := flag.Set(name, v); err != nil {
			return nil, fmt.Errorf("setting -%s: %w", name, err)
		}
	}
	return func() {
		for name, v := range old {
			_ = flag.Set(name, v)
		}
	}, nil
}

// quietTB is the rapid.TB under which RapidCheck runs rapid: a failure is
// the expected outcome, recorded instead of failing an enclosing test.
// FailNow ends the goroutine that runs rapid, as testing.T's does.
type quietTB struct {
	mu     sync.Mutex
	failed bool
}

func (*quietTB) Helper()             {}
func (*quietTB) Name() string        { return "sim.RapidCheck" }
func (*quietTB) Logf(string, ...any) {}
func (*quietTB) Log(...any)          {}
func (tb *quietTB) Skipf(string, ...any) {
	tb.SkipNow()
}
func (tb *quietTB) Skip(...any) { tb.SkipNow() }
func (*quietTB) SkipNow()       { runtime.Goexit() }
func (tb *quietTB) Errorf(string, ...any) {
	tb.Fail()
}
func (tb *quietTB) Error(...any) { tb.Fail() }
func (tb *quietTB) Fatalf(string, ...any) {
	tb.FailNow()
}
func (tb *quietTB) Fatal(...any) { tb.FailNow() }
func (tb *quietTB) FailNow() {
	tb.Fail()
	runtime.Goexit()
}
func (tb *quietTB) Fail() {
	tb.mu.Lock()
	tb.failed = true
	tb.mu.Unlock()
}
func (tb *quietTB) Failed() bool {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.failed
}
