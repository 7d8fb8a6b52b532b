package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/sim"
	"github.com/paxoscheck/paxoscheck/internal/english"
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

// simFlags are the simulate flags every protocol shares, parsed; the
// protocol's entry (searchProtocol.simulate) reads them, with its own.
type simFlags struct {
	seed                     *uint64
	runs, steps, workers     *int
	drops, dups, crashes     *int
	midStep                  *bool
	network, invariants      *string
	inv                      invariantChoice
	weightSpecs              listFlag
	weights                  sim.Weights
	out                      *string
	keepAll, noShrink, noLin *bool
	linTimeout               *time.Duration
	stdout, stderr           io.Writer
	// args are the command line's arguments, for the command that
	// reproduces one run (reproduce).
	args []string
}

// reproduce is the command line that runs seed alone, with every other
// flag as given: --seed and --runs replaced, --workers, --out and
// --keep-all left out (they change nothing in a run).
func (c *simFlags) reproduce(seed uint64) string {
	return commandLine("simulate", c.args, map[string]bool{"seed": true, "runs": true, "workers": true, "out": true}, map[string]bool{"keep-all": true},
		"--seed", strconv.FormatUint(seed, 10), "--runs", "1")
}

// commandLine is `paxoscheck cmd` with args, but for the flags named in
// valued (with their values) and in bare (booleans), quoted for a shell,
// and then extra: the command line that runs one search or one seed of
// what args ran.
func commandLine(cmd string, args []string, valued, bare map[string]bool, extra ...string) string {
	words := []string{"paxoscheck", cmd}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (valued[name] || bare[name]) {
			if valued[name] && !hasValue {
				i++ // its value is the next argument
			}
			continue
		}
		if strings.ContainsAny(a, " \t'\"$;&|<>*?`") {
			a = strconv.Quote(a)
		}
		words = append(words, a)
	}
	return strings.Join(append(words, extra...), " ")
}

// simDefaults are a protocol's defaults of the shared simulate flags.
type simDefaults struct {
	steps                int
	drops, dups, crashes int
	weights              sim.Weights
}

func runSimulate(args []string, stdout, stderr io.Writer) int {
	name := protocolFlag(args)
	sp, ok := searchTable[name]
	if !ok || sp.simulate == nil {
		fmt.Fprintf(stderr, "paxoscheck simulate: --protocol %q: unknown (known: %s)\n", name, searchNames())
		return exitBadInput
	}
	def := sp.simDefaults
	fs := newFlags("simulate", "simulate [flags]", stderr)
	parsed := fs.String("protocol", "paxos", "the protocol to simulate: "+searchNames())
	c := &simFlags{stdout: stdout, stderr: stderr, args: args}
	c.seed = fs.Uint64("seed", 1, "first seed; run i uses seed+i")
	c.runs = fs.Int("runs", 1000, "number of runs (seeds seed, seed+1, ...)")
	c.steps = fs.Int("steps", def.steps, "maximum steps per run")
	c.drops = fs.Int("drops", def.drops, "message drops allowed per run (0: never)")
	c.dups = fs.Int("dups", def.dups, "message duplications allowed per run (0: never)")
	c.crashes = fs.Int("crashes", def.crashes, "node crashes allowed per run (0: never)")
	c.midStep = fs.Bool("mid-step-crash", true, midStepUsage)
	c.network = fs.String("network", "multiset", "network model: multiset only (messages in flight, --drops/--dups bound the faults); explore also has set")
	fs.Var(&c.weightSpecs, "weights", "relative probabilities of action kinds, e.g. deliver=60,drop=5 (default "+(&weightsFlag{w: def.weights}).String()+")")
	c.workers = fs.Int("workers", 0, "parallel workers (0: GOMAXPROCS); results do not depend on it")
	c.out = fs.String("out", "", "directory for traces (default: a new temporary directory, only on a violation)")
	c.keepAll = fs.Bool("keep-all", false, "also write the trace of every run to --out")
	c.noShrink = fs.Bool("no-shrink", false, "do not shrink a failing run")
	c.invariants = fs.String("invariants", "", invariantsUsage)
	c.noLin = fs.Bool("no-linearize", false, "do not check each run's client history with Porcupine")
	c.linTimeout = fs.Duration("linearize-timeout", linearize.DefaultTimeout, linearizeTimeoutUsage)
	simulate := sp.simulate(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *parsed != name {
		return c.bad("--protocol given twice (%s, then %s)", name, *parsed)
	}
	if fs.NArg() > 0 {
		return c.bad("unexpected argument %q", fs.Arg(0))
	}
	if name, v, ok := firstNegative(map[string]int64{"drops": int64(*c.drops), "dups": int64(*c.dups), "crashes": int64(*c.crashes)}); ok {
		return c.bad("--%s %d: must not be negative", name, v)
	}
	switch {
	case *c.steps < 1:
		return c.bad("--steps %d: need at least 1", *c.steps)
	case *c.runs < 1:
		return c.bad("--runs %d: need at least 1", *c.runs)
	case *c.workers < 0:
		return c.bad("--workers %d: must not be negative", *c.workers)
	case *c.workers > maxWorkers:
		return c.bad("--workers %d: at most %d", *c.workers, maxWorkers)
	case *c.seed > math.MaxUint64-uint64(*c.runs-1):
		return c.bad("--seed %d --runs %d: the last seed would pass %d", *c.seed, *c.runs, uint64(math.MaxUint64))
	case *c.network == "set":
		// A random walk on the set network (every message ever sent stays
		// deliverable) spends ever more of its steps redelivering stale
		// messages; the multiset's --dups covers redelivery at a rate the
		// weights control.
		return c.bad("--network set: simulate walks the multiset network only (redelivery is --dups); explore searches the set network")
	case *c.network != "multiset":
		return c.bad("--network %q: want multiset (explore also has set)", *c.network)
	case *c.linTimeout <= 0:
		return c.bad("--linearize-timeout %s: must be positive (--no-linearize skips the check)", *c.linTimeout)
	}
	var err error
	if c.inv, err = parseInvariants(*c.invariants); err != nil {
		return c.bad("--invariants: %v", err)
	}
	if *c.noLin && c.inv.names != nil && c.inv.lin {
		return c.bad("--no-linearize --invariants %s: one leaves out what the other asks for", *c.invariants)
	}
	return simulate(c)
}

// bad reports a bad flag value: one line, exit 2.
func (c *simFlags) bad(format string, a ...any) int {
	fmt.Fprintf(c.stderr, "paxoscheck simulate: "+format+"\n", a...)
	return exitBadInput
}

// checkKeepAll refuses --keep-all without --out.
func (c *simFlags) checkKeepAll() (code int, ok bool) {
	if *c.keepAll && *c.out == "" {
		return c.bad("--keep-all needs --out DIR"), false
	}
	return 0, true
}

// parseWeights applies --weights over def.
func (c *simFlags) parseWeights(def sim.Weights) (code int, ok bool) {
	weights := &weightsFlag{w: def}
	for _, w := range c.weightSpecs.names {
		if err := weights.Set(w); err != nil {
			return c.bad("--weights: %v", err), false
		}
	}
	c.weights = weights.w
	return 0, true
}

// simulate runs the batch of s that the flags describe, for any protocol,
// and reports: the first failing run shrunk and written (write writes a
// run's trace with a source and its seed), the summary, a vacuous batch
// as a failure. banner are the first lines printed.
func simulate[I, K ~uint8, N any, M graph.Message[M], D, E, T any](c *simFlags, s *sim.Sim[I, K, N, M, D, E, T],
	write func(path string, r *sim.Result[I, K, N, M, D, E, T], source string) error, banner []string) int {
	stdout, stderr := c.stdout, c.stderr
	if err := checkOutDir(*c.out); err != nil {
		return c.bad("--out: %v", err)
	}
	// Ctrl-C or SIGTERM stops the batch: the runs done are reported. (The
	// handler is in place before the banner, which says the work began.)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, l := range banner {
		fmt.Fprintln(stdout, l)
	}
	last := *c.seed + uint64(*c.runs) - 1
	batch := sim.Batch[I, K, N, M, D, E, T]{First: *c.seed, Runs: *c.runs, Workers: *c.workers, StopAtFirst: true}
	var writeErr atomic.Pointer[error]
	if *c.keepAll {
		batch.OnResult = func(r *sim.Result[I, K, N, M, D, E, T]) {
			if err := write(filepath.Join(*c.out, fmt.Sprintf("run-seed%d.jsonl", r.Seed)), r, "simulate"); err != nil {
				writeErr.CompareAndSwap(nil, &err)
			}
		}
	}
	stopProgress := startProgress(stderr, &batch.Progress, *c.runs)
	start := time.Now()
	sum := s.RunBatch(ctx, batch)
	interrupted := ctx.Err() != nil
	stop() // past the batch, Ctrl-C quits again (a shrink is not stopped halfway)
	elapsed := time.Since(start)
	stopProgress()
	if p := writeErr.Load(); p != nil {
		fmt.Fprintf(stderr, "paxoscheck simulate: writing a trace: %v\n", *p)
		return exitBadInput
	}

	code := exitOK
	if f := sum.First; f != nil {
		code = reportViolation(s, f, write, *c.out, *c.noShrink, c.reproduce(f.Seed), stdout, stderr)
	}
	secs := elapsed.Seconds()
	fmt.Fprintf(stdout, "summary: %s, %s, %.2f s (%.0f runs/s, %.0f steps/s); a value chosen in %s, every learner learned in %d, every client answered in %d; violations: %d\n",
		english.Count(sum.Runs, "run"), english.Count(sum.Steps, "step"), secs, float64(sum.Runs)/secs, float64(sum.Steps)/secs,
		english.Count(sum.Chosen, "run"), sum.AllLearned, sum.AllReturned, sum.Violations)
	if interrupted && code == exitOK {
		fmt.Fprintf(stdout, "INCOMPLETE: interrupted after %s of %d (seeds %d..%d); no violation in those\n",
			english.Count(sum.Runs, "run"), *c.runs, *c.seed, *c.seed+uint64(max(sum.Runs, 1))-1)
		return exitInterrupted
	}
	if code == exitOK && sum.Chosen == 0 {
		fmt.Fprintf(stdout, "VACUOUS: no run chose a value (seeds %d..%d); the invariants held only because nothing happened: raise --steps or lower the fault weights\n", *c.seed, last)
		return exitViolation
	}
	return code
}

// reportViolation shrinks and writes the first failing run and prints what
// broke, where, and how to reproduce it.
func reportViolation[I, K ~uint8, N any, M graph.Message[M], D, E, T any](s *sim.Sim[I, K, N, M, D, E, T], f *sim.Result[I, K, N, M, D, E, T],
	write func(path string, r *sim.Result[I, K, N, M, D, E, T], source string) error, out string, noShrink bool, reproduce string, stdout, stderr io.Writer) int {
	v := f.Violation
	fmt.Fprintf(stdout, "VIOLATION: %s (seed %d)\n", english.Violation(v.Invariant, v.Step, v.Detail), f.Seed)
	fmt.Fprintf(stdout, "reproduce: %s\n", reproduce)
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
		if err := write(path, f, "simulate"); err != nil {
			fmt.Fprintf(stderr, "paxoscheck simulate: writing the trace: %v\n", err)
			return exitViolation
		}
		fmt.Fprintf(stdout, "trace: %s (%d steps, not shrunk)\n", path, f.Steps())
		drawTrace(path, stdout, stderr)
		return exitViolation
	}
	unshrunk := base + ".unshrunk.jsonl"
	if err := write(unshrunk, f, "simulate"); err != nil {
		fmt.Fprintf(stderr, "paxoscheck simulate: writing the trace: %v\n", err)
		return exitViolation
	}
	shrunk := s.Shrink(f)
	path := base + ".jsonl"
	if err := write(path, shrunk, "shrink"); err != nil {
		fmt.Fprintf(stderr, "paxoscheck simulate: writing the shrunk trace: %v\n", err)
		return exitViolation
	}
	sv := shrunk.Violation
	fmt.Fprintf(stdout, "shrunk: %d -> %d steps; VIOLATION: %s\n", f.Steps(), shrunk.Steps(), english.Violation(sv.Invariant, sv.Step, sv.Detail))
	fmt.Fprintf(stdout, "trace: %s (shrunk; unshrunk: %s)\n", path, unshrunk)
	drawTrace(path, stdout, stderr)
	return exitViolation
}

// drawTrace draws the trace written to path as show does (text), after
// the command that draws it again.
func drawTrace(path string, stdout, stderr io.Writer) {
	fmt.Fprintf(stdout, "the trace, drawn (again: paxoscheck show %s; with --format html, the stepping viewer):\n", path)
	d, err := protocolOf(path).read(path)
	if err == nil {
		err = d.draw(stdout, "text", false, path)
	}
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck simulate: drawing %s: %v\n", path, err)
	}
}

// startProgress installs a progress callback in b that a ticker prints as
// a one-line \r status on stderr, a few times per second, and only when
// stderr is a terminal. The returned function stops it and clears the line.
func startProgress(stderr io.Writer, progress *func(done, violations int64), total int) func() {
	f, ok := stderr.(*os.File)
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return func() {}
	}
	var done, bad atomic.Int64
	*progress = func(d, v int64) {
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
