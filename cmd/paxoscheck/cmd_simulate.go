package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/paxoscheck/paxoscheck/checker/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/sim"
	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

func init() {
	register(command{name: "simulate", summary: "run seeded random schedules, check every invariant, shrink a failure", run: runSimulate})
}

// listFlag is a repeatable string flag (--bug, --weights). Values are
// checked after parsing, so that a bad one is a one-line error rather than
// the flag package's error followed by the whole usage.
type listFlag struct{ names []string }

func (b *listFlag) String() string { return strings.Join(b.names, ",") }

func (b *listFlag) Set(v string) error {
	b.names = append(b.names, v)
	return nil
}

// bugs parses the values as bug names or comma lists of them.
func (b *listFlag) bugs() (paxos.Bugs, error) {
	var out paxos.Bugs
	for _, n := range b.names {
		bs, err := paxos.ParseBugs(n)
		if err != nil {
			return 0, err
		}
		out |= bs
	}
	return out, nil
}

// weightsFlag parses --weights deliver=60,drop=5,...; kinds not named keep
// their default.
type weightsFlag struct{ w sim.Weights }

func (f *weightsFlag) fields() []struct {
	name string
	p    *int
} {
	w := &f.w
	return []struct {
		name string
		p    *int
	}{{"deliver", &w.Deliver}, {"invoke", &w.Invoke}, {"timeout", &w.Timeout}, {"drop", &w.Drop},
		{"duplicate", &w.Duplicate}, {"crash", &w.Crash}, {"crash-mid-step", &w.CrashMidStep}, {"restart", &w.Restart}}
}

func (f *weightsFlag) String() string {
	var parts []string
	for _, fl := range f.fields() {
		parts = append(parts, fmt.Sprintf("%s=%d", fl.name, *fl.p))
	}
	return strings.Join(parts, ",")
}

func (f *weightsFlag) Set(v string) error {
	for _, kv := range strings.Split(v, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return fmt.Errorf("weight %q is not KIND=N", kv)
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return fmt.Errorf("weight %q: want a non-negative integer", kv)
		}
		found := false
		for _, fl := range f.fields() {
			if fl.name == name {
				*fl.p, found = n, true
			}
		}
		if !found {
			return fmt.Errorf("unknown action kind %q in --weights (known: %s)", name, f.String())
		}
	}
	return nil
}

func runSimulate(args []string, stdout, stderr io.Writer) int {
	def := paxosmodel.DefaultSimOptions()
	ds := paxosmodel.SetupOf(&def)
	fs := newFlags("simulate", "simulate [flags]", stderr)
	seed := fs.Uint64("seed", 1, "first seed; run i uses seed+i")
	runs := fs.Int("runs", 1000, "number of runs (seeds seed, seed+1, ...)")
	steps := fs.Int("steps", def.MaxSteps, "maximum steps per run")
	acceptors := fs.Int("acceptors", len(ds.Config.Acceptors), "number of acceptors")
	proposers := fs.Int("proposers", len(ds.Config.Proposers), "number of proposers")
	learners := fs.Int("learners", len(ds.Config.Learners), "number of learners")
	clients := fs.Int("clients", len(ds.Clients), "number of clients (distinct values, spread over the proposers)")
	drops := fs.Int("drops", ds.Budget.Drops, "message drops allowed per run (0: never)")
	dups := fs.Int("dups", ds.Budget.Dups, "message duplications allowed per run (0: never)")
	crashes := fs.Int("crashes", ds.Budget.Crashes, "node crashes allowed per run (0: never)")
	midStep := fs.Bool("mid-step-crash", ds.MidStepCrash, "crashes may also strike after a node persisted and before it sent")
	maxRound := fs.Uint("max-round", uint(ds.MaxRound), "highest proposer round (0: unbounded)")
	var bugs listFlag
	fs.Var(&bugs, "bug", "switch on a catalogue bug (repeatable, or a comma list)")
	var weightSpecs listFlag
	fs.Var(&weightSpecs, "weights", "relative probabilities of action kinds, e.g. deliver=60,drop=5 (default "+(&weightsFlag{w: def.Weights}).String()+")")
	workers := fs.Int("workers", 0, "parallel workers (0: GOMAXPROCS); results do not depend on it")
	out := fs.String("out", "", "directory for traces (default: a new temporary directory, only on a violation)")
	keepAll := fs.Bool("keep-all", false, "also write the trace of every run to --out")
	noShrink := fs.Bool("no-shrink", false, "do not shrink a failing run")
	noLin := fs.Bool("no-linearize", false, "do not check each run's client history with Porcupine")
	linTimeout := fs.Duration("linearize-timeout", 10*time.Second, "Porcupine's time limit per run (a timeout fails the run as unknown)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "paxoscheck simulate: "+format+"\n", a...)
		return exitBadInput
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case *runs < 1:
		return bad("--runs %d: need at least 1", *runs)
	case *workers < 0:
		return bad("--workers %d: must not be negative", *workers)
	case *clients < 1:
		return bad("--clients %d: need at least 1, or no value is ever proposed", *clients)
	case *acceptors < 0 || *proposers < 0 || *learners < 0:
		return bad("node counts must not be negative")
	case *acceptors+*proposers+*learners > 256:
		return bad("%d nodes: at most 256", *acceptors+*proposers+*learners)
	case *maxRound > 1<<31:
		return bad("--max-round %d: too large", *maxRound)
	case *keepAll && *out == "":
		return bad("--keep-all needs --out DIR")
	}
	bugSet, err := bugs.bugs()
	if err != nil {
		return bad("--bug: %v", err)
	}
	weights := &weightsFlag{w: def.Weights}
	for _, w := range weightSpecs.names {
		if err := weights.Set(w); err != nil {
			return bad("--weights: %v", err)
		}
	}
	setup := world.NewSetup(*acceptors, *proposers, *learners, *clients)
	setup.Config.Bugs = bugSet
	setup.Budget = world.Budget{Drops: *drops, Dups: *dups, Crashes: *crashes}
	setup.MidStepCrash = *midStep
	setup.MaxRound = uint32(*maxRound)
	o := paxosmodel.SimOptions(setup)
	o.MaxSteps = *steps
	o.Weights = weights.w
	if !*noLin {
		// Issue 5, item 6: every run is also checked for
		// linearizability; an unknown verdict fails the run.
		timeout := *linTimeout
		o.Checks = append(o.Checks, paxosmodel.TraceCheck{Name: "Linearizable", Check: func(tr *paxostrace.Trace) error {
			return paxosmodel.CheckTrace(tr, timeout)
		}})
	}
	s, err := paxosmodel.NewSim(o)
	if err != nil {
		return bad("%v", err)
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return bad("--out: %v", err)
		}
	}

	bugNames := "none"
	if bugSet != 0 {
		bugNames = bugSet.String()
	}
	last := *seed + uint64(*runs) - 1
	fmt.Fprintf(stdout, "simulate: seeds %d..%d (%d runs); acceptors=%d proposers=%d learners=%d clients=%d; bugs: %s\n",
		*seed, last, *runs, *acceptors, *proposers, *learners, *clients, bugNames)
	fmt.Fprintf(stdout, "simulate: budget drops=%d dups=%d crashes=%d mid-step-crash=%t, max round %d, max steps %d, weights %s\n",
		*drops, *dups, *crashes, *midStep, *maxRound, *steps, weights)

	batch := paxosmodel.Batch{First: *seed, Runs: *runs, Workers: *workers, StopAtFirst: true}
	var writeErr atomic.Pointer[error]
	if *keepAll {
		batch.OnResult = func(r *paxosmodel.Result) {
			if err := writeTrace(filepath.Join(*out, fmt.Sprintf("run-seed%d.jsonl", r.Seed)), r, "simulate"); err != nil {
				writeErr.CompareAndSwap(nil, &err)
			}
		}
	}
	stopProgress := startProgress(stderr, &batch, *runs)
	start := time.Now()
	sum := s.RunBatch(context.Background(), batch)
	elapsed := time.Since(start)
	stopProgress()
	if p := writeErr.Load(); p != nil {
		fmt.Fprintf(stderr, "paxoscheck simulate: writing a trace: %v\n", *p)
		return exitBadInput
	}

	code := exitOK
	if f := sum.First; f != nil {
		code = reportViolation(s, f, *out, *noShrink, stdout, stderr)
	}
	secs := elapsed.Seconds()
	fmt.Fprintf(stdout, "summary: %d runs, %d steps, %.2f s (%.0f runs/s, %.0f steps/s); a value chosen in %d runs, every learner learned in %d, every client answered in %d; violations: %d\n",
		sum.Runs, sum.Steps, secs, float64(sum.Runs)/secs, float64(sum.Steps)/secs, sum.Chosen, sum.AllLearned, sum.AllReturned, sum.Violations)
	if code == exitOK && sum.Chosen == 0 {
		fmt.Fprintf(stdout, "VACUOUS: no run chose a value (seeds %d..%d); the invariants held only because nothing happened: raise --steps or lower the fault weights\n", *seed, last)
		return exitViolation
	}
	return code
}

// reportViolation shrinks and writes the first failing run and prints what
// broke, where, and how to reproduce it.
func reportViolation(s *paxosmodel.Sim, f *paxosmodel.Result, out string, noShrink bool, stdout, stderr io.Writer) int {
	v := f.Violation
	fmt.Fprintf(stdout, "VIOLATION: invariant %s violated after step %d of seed %d: %s\n", v.Invariant, v.Step, f.Seed, v.Detail)
	if out == "" {
		dir, err := os.MkdirTemp("", "paxoscheck-sim-")
		if err != nil {
			fmt.Fprintf(stderr, "paxoscheck simulate: cannot create a directory for the trace: %v\n", err)
			return exitViolation
		}
		out = dir
	}
	base := filepath.Join(out, fmt.Sprintf("violation-seed%d", f.Seed))
	if noShrink {
		path := base + ".jsonl"
		if err := writeTrace(path, f, "simulate"); err != nil {
			fmt.Fprintf(stderr, "paxoscheck simulate: writing the trace: %v\n", err)
			return exitViolation
		}
		fmt.Fprintf(stdout, "trace: %s (%d steps, not shrunk)\n", path, f.Steps())
		return exitViolation
	}
	unshrunk := base + ".unshrunk.jsonl"
	if err := writeTrace(unshrunk, f, "simulate"); err != nil {
		fmt.Fprintf(stderr, "paxoscheck simulate: writing the trace: %v\n", err)
		return exitViolation
	}
	shrunk := s.Shrink(f)
	path := base + ".jsonl"
	if err := writeTrace(path, shrunk, "shrink"); err != nil {
		fmt.Fprintf(stderr, "paxoscheck simulate: writing the shrunk trace: %v\n", err)
		return exitViolation
	}
	sv := shrunk.Violation
	fmt.Fprintf(stdout, "shrunk: %d -> %d steps; invariant %s violated after step %d: %s\n", f.Steps(), shrunk.Steps(), sv.Invariant, sv.Step, sv.Detail)
	fmt.Fprintf(stdout, "trace: %s (shrunk; unshrunk: %s)\n", path, unshrunk)
	return exitViolation
}

// writeTrace writes r's trace to path with the given source.
func writeTrace(path string, r *paxosmodel.Result, source string) error {
	tr, err := r.Trace()
	if err != nil {
		return err
	}
	tr.Header.Source = source
	seed := r.Seed
	tr.Header.Seed = &seed
	if err := paxostrace.WriteFile(path, tr); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// startProgress installs a progress callback in b that a ticker prints as
// a one-line \r status on stderr, a few times per second, and only when
// stderr is a terminal. The returned function stops it and clears the line.
func startProgress(stderr io.Writer, b *paxosmodel.Batch, total int) func() {
	f, ok := stderr.(*os.File)
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return func() {}
	}
	var done, bad atomic.Int64
	b.Progress = func(d, v int64) {
		done.Store(d)
		bad.Store(v)
	}
	start := time.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-quit:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-tick.C:
				d := done.Load()
				fmt.Fprintf(f, "\rsimulate: %d/%d runs, %.0f runs/s, %d violations", d, total,
					float64(d)/time.Since(start).Seconds(), bad.Load())
			}
		}
	}()
	return func() {
		tick.Stop()
		close(quit)
		<-finished
	}
}
