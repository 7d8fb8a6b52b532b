package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/internal/english"
)

func init() {
	register(command{name: "explore", summary: "enumerate every interleaving of a small cluster, check every invariant in every state", run: runExplore})
}

// exploreFlags are the explore flags every protocol shares, parsed; the
// protocol's entry (searchProtocol.explore) reads them, with its own.
type exploreFlags struct {
	drops, dups, crashes *int
	midStep, dfs         *bool
	swarm                *int
	seed                 *uint64
	args                 []string
	fs                   *flag.FlagSet
	shardFlag, report    *string
	checkpoint, resume   *string
	checkpointEvery      *time.Duration
	shardDepth           *int
	shard, shards        int
	network              *string
	workers, maxDepth    *int
	maxStates            *int64
	noSym, noDead        *bool
	maxMemory, out       *string
	frontierMemory       *string
	invariants           *string
	inv                  invariantChoice
	deadlockErr          *bool
	progress             *time.Duration
	stdout, stderr       io.Writer
	memLimit             int64
	frontierLimit        int64
	tty                  bool
}

// searchProtocol is one protocol as explore and simulate see it: it registers its own flags (its cluster, its bugs, its bounds) on
// the command's flag set, with the defaults of the shared ones, and after
// parsing builds and runs the search. A protocol adds its entry from its
// own file (paxos.go is single-decree Paxos's); `--protocol` picks it.
type searchProtocol struct {
	name string
	// exploreDefaults are its defaults of the shared flags; explore
	// registers its flags and returns what runs the search once the
	// flags are parsed (an exit code).
	exploreDefaults exploreDefaults
	explore         func(fs *flag.FlagSet) func(c *exploreFlags) int
	// simDefaults and simulate are the same for simulate.
	simDefaults simDefaults
	simulate    func(fs *flag.FlagSet) func(c *simFlags) int
}

// exploreDefaults are a protocol's defaults of the shared explore flags.
type exploreDefaults struct {
	crashes    int
	setNetwork bool
}

var searchTable = map[string]*searchProtocol{}

func registerSearch(p *searchProtocol) { searchTable[p.name] = p }

// protocolFlag finds --protocol NAME (or -protocol, =NAME) in args before
// they are parsed, so that the protocol's flags can be registered first;
// the default is single-decree Paxos.
func protocolFlag(args []string) string {
	for i, a := range args {
		for _, pre := range []string{"--protocol", "-protocol"} {
			switch {
			case a == pre && i+1 < len(args):
				return args[i+1]
			case strings.HasPrefix(a, pre+"="):
				return strings.TrimPrefix(a, pre+"=")
			}
		}
		if a == "--" {
			break
		}
	}
	return "paxos"
}

func runExplore(args []string, stdout, stderr io.Writer) int {
	name := protocolFlag(args)
	sp, ok := searchTable[name]
	if !ok || sp.explore == nil {
		fmt.Fprintf(stderr, "paxoscheck explore: --protocol %q: unknown (known: %s)\n", name, searchNames())
		return exitBadInput
	}
	fs := newFlags("explore", "explore [flags]", stderr)
	parsed := fs.String("protocol", "paxos", "the protocol to explore: "+searchNames())
	def := sp.exploreDefaults
	c := &exploreFlags{stdout: stdout, stderr: stderr, args: args, fs: fs}
	c.drops = fs.Int("drops", 0, "message drops allowed (0: never; --network multiset only)")
	c.dups = fs.Int("dups", 0, "message duplications allowed (0: never; --network multiset only)")
	c.crashes = fs.Int("crashes", def.crashes, "node crashes allowed (0: never); a crashed node may restart")
	c.midStep = fs.Bool("mid-step-crash", true, midStepUsage)
	defNet := "multiset"
	if def.setNetwork {
		defNet = "set"
	}
	c.network = fs.String("network", defNet, "network model: set (the spec's msgs: any sent message may be received any number of times or never; every drop, duplication and reordering, no budgets) or multiset (messages in flight, --drops/--dups bound the faults)")
	c.workers = fs.Int("workers", 0, "parallel workers (0: GOMAXPROCS); the verdict and state count do not depend on it")
	c.maxStates = fs.Int64("max-states", 0, "stop after this many distinct states (0: no limit)")
	c.maxDepth = fs.Int("max-depth", 0, "do not expand states at this depth (0: no limit)")
	c.dfs = fs.Bool("dfs", false, "depth-first (one worker; counterexamples are not shortest)")
	c.swarm = fs.Int("swarm", 0, "hunt for bugs with this many depth-first searches, one after another, each taking successors in its own seeded order and bounded by --max-states (default: what --max-memory holds); stops at the first violation; unless one search is complete, coverage is not (exit 3)")
	c.shardFlag = fs.String("shard", "", "search only shard `i/N` (i from 0 to N-1) of a breadth-first search: the levels down to the split level whole, then below the split level's states this shard owns by fingerprint; N shards together reach every state (merge their --report files with merge-reports)")
	c.shardDepth = fs.Int("shard-depth", 0, fmt.Sprintf("with --shard: the depth of the level the shards share out (0: the first level of at least %d states per shard)", explore.ShardLevel))
	c.checkpoint = fs.String("checkpoint", "", "write a checkpoint of the breadth-first search into `DIR` at level boundaries, at most every --checkpoint-every (kill -9 leaves the last one whole); --resume DIR goes on from it")
	c.checkpointEvery = fs.Duration("checkpoint-every", 5*time.Minute, "with --checkpoint or --resume: the least time between two checkpoints (0: at every level)")
	c.resume = fs.String("resume", "", "go on from the checkpoint in `DIR`, with the same flags as the search that wrote it (it ends with that search's counts and verdict), writing checkpoints there again")
	c.report = fs.String("report", "", "write the search's report, as JSON, to `FILE` (what merge-reports reads)")
	c.seed = fs.Uint64("seed", 1, "with --swarm: the first search's seed; search i uses seed+i (0: the model's own order)")
	c.noSym = fs.Bool("no-symmetry", false, "do not merge states that differ by a permutation of acceptors")
	c.noDead = fs.Bool("no-dead", false, "no dead-state reduction (states differing only in what no later step reads are merged, messages whose delivery can change nothing are left out, crashes that lose nothing are skipped; every reduction is proved against the code in the same run)")
	c.frontierMemory = fs.String("frontier-memory", "", "keep at most this much of the breadth-first frontier's states in memory and spill the rest to disk, compressed (same units as --max-memory; 0: never spill; default: a quarter of --max-memory); counts and verdicts do not change")
	c.maxMemory = fs.String("max-memory", "", "the memory the whole process may hold: past three quarters of it, the breadth-first frontier keeps only a few chunks in memory and spills the rest (unless --frontier-memory 0); past all of it, the search stops, incomplete (exit 3). Bytes, or with KiB, MiB, GiB; 0 for no limit (default: 3/4 of the memory available at start)")
	c.out = fs.String("out", "", "directory for the counterexample trace (default: a new temporary directory)")
	c.invariants = fs.String("invariants", "", invariantsUsage)
	c.deadlockErr = fs.Bool("deadlock-is-error", false, "a deadlock that is not a bound artefact fails the run")
	c.progress = fs.Duration("progress", 30*time.Second, "when stderr is not a terminal (CI logs), print a progress line to it this often (0: never); on a terminal a status line is redrawn every second")
	search := sp.explore(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *parsed != name {
		return c.bad("--protocol given twice (%s, then %s)", name, *parsed)
	}
	return search(c)
}

// firstNegative is the first flag of vals, by name, whose value is
// negative: a bad value is named by its flag.
func firstNegative(vals map[string]int64) (name string, v int64, ok bool) {
	for _, n := range slices.Sorted(maps.Keys(vals)) {
		if vals[n] < 0 {
			return n, vals[n], true
		}
	}
	return "", 0, false
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// midStepUsage is --mid-step-crash's one meaning, in explore and simulate
// alike; both default it to true: the whole fault model unless switched
// off.
const midStepUsage = "crashes may also strike after a node persisted and before it sent (--mid-step-crash=false: only between steps)"

// linearizeTimeoutUsage is --linearize-timeout's one meaning, in check
// and simulate.
const linearizeTimeoutUsage = "give up Porcupine's check of a client history after this long: the verdict is then unknown, which fails (never a pass)"

// crashRolesUsage is --crash-roles's one meaning, in explore and simulate.
const crashRolesUsage = "roles whose nodes may crash: a comma list of %s, or all"

// parseCrashRoles reads --crash-roles: a comma list of the protocol's
// roles, each with its nodes, or all (nil: every node may crash).
func parseCrashRoles[I any](spec string, roles map[string][]I) ([]I, error) {
	out := []I{}
	for _, r := range strings.Split(spec, ",") {
		r = strings.TrimSpace(r)
		if r == "all" {
			return nil, nil
		}
		nodes, ok := roles[r]
		if !ok {
			return nil, fmt.Errorf("unknown role %q (want %s, or all)", r, keyList(roles))
		}
		out = append(out, nodes...)
	}
	return out, nil
}

// invariantsUsage is --invariants's one meaning, in explore and simulate.
const invariantsUsage = "check only these invariants: a comma list of the protocol's invariant names (and Linearizability where the command checks it), as a TLC cfg lists its INVARIANTS (default: every one)"

// invariantChoice is --invariants read: the names (nil: every invariant)
// and whether the client history's linearizability is among them.
type invariantChoice struct {
	names []string
	lin   bool
}

// parseInvariants splits --invariants; "" is every invariant.
func parseInvariants(spec string) (invariantChoice, error) {
	if strings.TrimSpace(spec) == "" {
		return invariantChoice{lin: true}, nil
	}
	ch := invariantChoice{names: []string{}}
	for _, n := range strings.Split(spec, ",") {
		switch n = strings.TrimSpace(n); n {
		case "":
			return ch, fmt.Errorf("%q: an empty name", spec)
		case replay.LinearizabilityCheck:
			ch.lin = true
		default:
			ch.names = append(ch.names, n)
		}
	}
	return ch, nil
}

// selectInvariants is ch's invariants of a protocol (its Select): nil for
// every one.
func selectInvariants[T any](ch invariantChoice, sel func([]string) ([]T, error)) ([]T, error) {
	if ch.names == nil {
		return nil, nil
	}
	invs, err := sel(ch.names)
	if err != nil && strings.HasSuffix(err.Error(), ")") {
		// Name the one check that is not an invariant of the list.
		err = fmt.Errorf("%s, and %s where the command checks client histories)", strings.TrimSuffix(err.Error(), ")"), replay.LinearizabilityCheck)
	}
	return invs, err
}

// maxRoundUsage is --max-round's one meaning in explore and simulate; an
// exhaustive search refuses 0 (unboundedRounds).
const maxRoundUsage = "highest round a proposer may start (0: unbounded, which only simulate can run)"

// unboundedRounds is explore's refusal of --max-round 0.
const unboundedRounds = "--max-round 0 means unbounded rounds, and no exhaustive search covers unboundedly many: give a bound of 1 or more"

// searchNames lists the protocols explore and simulate know.
func searchNames() string { return keyList(searchTable) }

// bad reports a bad flag value: one line, exit 2.
func (c *exploreFlags) bad(format string, a ...any) int {
	fmt.Fprintf(c.stderr, "paxoscheck explore: "+format+"\n", a...)
	return exitBadInput
}

// check validates the shared flags (a one-line error and exit 2 when one
// is bad, ok false), after the protocol's checks of its own.
func (c *exploreFlags) check(fs *flag.FlagSet) (code int, ok bool) {
	if name, v, ok := firstNegative(map[string]int64{"drops": int64(*c.drops), "dups": int64(*c.dups), "crashes": int64(*c.crashes),
		"workers": int64(*c.workers), "max-states": *c.maxStates, "max-depth": int64(*c.maxDepth)}); ok {
		return c.bad("--%s %d: must not be negative", name, v), false
	}
	switch {
	case fs.NArg() > 0:
		return c.bad("unexpected argument %q", fs.Arg(0)), false
	case *c.workers > maxWorkers:
		return c.bad("--workers %d: at most %d", *c.workers, maxWorkers), false
	case *c.dfs && *c.workers > 1:
		return c.bad("--dfs --workers %d: a depth-first search runs one worker; drop --workers or --dfs", *c.workers), false
	case *c.swarm < 0:
		return c.bad("--swarm %d: must not be negative", *c.swarm), false
	case *c.swarm > 0 && *c.workers > 1:
		return c.bad("--swarm --workers %d: each search of a swarm is depth-first, on one worker; drop --workers", *c.workers), false
	case *c.network != "multiset" && *c.network != "set":
		return c.bad("--network %q: want multiset or set", *c.network), false
	case *c.network == "set" && (*c.drops != 0 || *c.dups != 0):
		return c.bad("--drops and --dups need --network multiset: the set network (the default) already has every drop and duplication"), false
	}
	if *c.shardFlag != "" {
		var err error
		if c.shard, c.shards, err = parseShard(*c.shardFlag); err != nil {
			return c.bad("--shard: %v", err), false
		}
	}
	switch {
	case *c.shardDepth < 0:
		return c.bad("--shard-depth %d: must not be negative", *c.shardDepth), false
	case *c.shardDepth > 0 && c.shards == 0:
		return c.bad("--shard-depth: only with --shard i/N"), false
	case c.shards > 0 && (*c.dfs || *c.swarm > 0):
		return c.bad("--shard: shards split a breadth-first search at a level; drop --dfs and --swarm"), false
	}
	switch {
	case *c.checkpoint != "" && *c.resume != "" && *c.checkpoint != *c.resume:
		return c.bad("--checkpoint %s --resume %s: a resumed search writes its checkpoints where it resumes from; give one of them", *c.checkpoint, *c.resume), false
	case (*c.checkpoint != "" || *c.resume != "") && (*c.dfs || *c.swarm > 0):
		return c.bad("--checkpoint and --resume: checkpoints are written at the levels of a breadth-first search; drop --dfs and --swarm"), false
	case *c.checkpointEvery < 0:
		return c.bad("--checkpoint-every %s: must not be negative", *c.checkpointEvery), false
	case *c.checkpoint == "" && *c.resume == "" && given(fs, "checkpoint-every"):
		return c.bad("--checkpoint-every: only with --checkpoint DIR or --resume DIR"), false
	}
	if *c.checkpoint != "" {
		if err := checkOutDir(*c.checkpoint); err != nil {
			return c.bad("--checkpoint: %v", err), false
		}
	}
	if *c.resume != "" {
		if fi, err := os.Stat(*c.resume); err != nil || !fi.IsDir() {
			return c.bad("--resume %s: no such directory", *c.resume), false
		}
	}
	if given(fs, "seed") && *c.swarm == 0 {
		return c.bad("--seed: only a swarm (--swarm K) has seeds; a single search is the same every run"), false
	}
	if *c.swarm > 0 {
		*c.dfs = true
	}
	m, err := parseSize(*c.maxMemory)
	if err != nil {
		return c.bad("--max-memory: %v", err), false
	}
	c.memLimit = m
	if c.frontierLimit, err = parseSize(*c.frontierMemory); err != nil {
		return c.bad("--frontier-memory: %v", err), false
	}
	if err := checkOutDir(*c.out); err != nil {
		return c.bad("--out: %v", err), false
	}
	if c.inv, err = parseInvariants(*c.invariants); err != nil {
		return c.bad("--invariants: %v", err), false
	}
	if err := checkReportFile(*c.report); err != nil {
		return c.bad("--report: %v", err), false
	}
	return 0, true
}

// checkOutDir checks, before any work, that dir ("": none given) is a
// directory that exists or can be made, so that no search ends with a
// counterexample it cannot write. It makes the directory.
func checkOutDir(dir string) error {
	if dir == "" {
		return nil
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("%s is a file, not a directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot make directory %s: %v", dir, err)
	}
	return nil
}

// checkProgress refuses a negative --progress (checked last, after the
// protocol's setup, as before the seam).
func (c *exploreFlags) checkProgress() (code int, ok bool) {
	if *c.progress < 0 {
		return c.bad("--progress: negative interval %s", *c.progress), false
	}
	return 0, true
}

// progressFunc is the progress line of a search: on a terminal, a \r
// status line every second; else, with --progress, one line each time.
func (c *exploreFlags) progressFunc() (func(explore.Progress), time.Duration) {
	if f, ok := c.stderr.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		c.tty = true
		return func(p explore.Progress) {
			fmt.Fprintf(c.stderr, "\r%s%d distinct, %d queued, depth %d, %.0f states/s   ", c.searchNo(p), p.Distinct, p.Queue, p.Depth, p.StatesPerSec())
		}, 0
	}
	if *c.progress > 0 {
		return func(p explore.Progress) {
			fmt.Fprintf(c.stderr, "explore: %s%d distinct, %d queued, depth %d, %.0f states/s, %.0fs\n",
				c.searchNo(p), p.Distinct, p.Queue, p.Depth, p.StatesPerSec(), p.Elapsed.Seconds())
		}, *c.progress
	}
	return nil, 0
}

// given says whether the flag name was on the command line.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// checkpointing is explore.Options's Checkpoint, CheckpointEvery,
// CheckpointID and Resume, from --checkpoint and --resume.
func (c *exploreFlags) checkpointing() (dir string, every time.Duration, id string, resume bool) {
	dir = *c.checkpoint
	if *c.resume != "" {
		dir, resume = *c.resume, true
	}
	return dir, *c.checkpointEvery, searchIdentity(c.fs), resume
}

// order is explore.Options.Order: a swarm's first seed, else the model's
// own order (0).
func (c *exploreFlags) order() uint64 {
	if *c.swarm == 0 {
		return 0
	}
	return *c.seed
}

// searchNo words a swarm's running search for the progress line ("" when
// not a swarm).
func (c *exploreFlags) searchNo(p explore.Progress) string {
	if p.Search == 0 {
		return ""
	}
	return fmt.Sprintf("search %d of %d (seed %d): ", p.Search, *c.swarm, *c.seed+uint64(p.Search)-1)
}

// begin prints what is about to be searched, before any work, as
// simulate does: the cluster (the protocol's words), then the search's
// own settings. It then catches Ctrl-C and SIGTERM until the returned stop
// is called: the first closes the returned channel (explore.Options.
// Interrupt), so that the search stops and reports what it did; a second
// quits at once.
func (c *exploreFlags) begin(cluster, bounds string) (interrupt <-chan struct{}, stop func()) {
	ch := make(chan struct{})
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	quit := make(chan struct{})
	go func() {
		select {
		case <-quit:
			return
		case s := <-sig:
			fmt.Fprintf(c.stderr, "\nexplore: %v: stopping, to report what was searched (again to quit at once)\n", s)
			close(ch)
		}
		select {
		case <-quit:
		case <-sig:
			os.Exit(exitInterrupted)
		}
	}()
	fmt.Fprintf(c.stdout, "explore: %s\n", cluster)
	net := "network set (every drop, duplication and reordering)"
	if *c.network == "multiset" {
		net = fmt.Sprintf("network multiset, drops=%d dups=%d", *c.drops, *c.dups)
	}
	order, workers := "breadth-first", *c.workers
	switch {
	case *c.swarm > 0:
		each := fmt.Sprintf("at most %s each", english.Count(*c.maxStates, "state"))
		switch {
		case *c.maxStates == 0 && c.memLimit < 0:
			each = "each unbounded (no --max-states, no memory limit)"
		case *c.maxStates == 0:
			each = "each bounded by what --max-memory holds"
		}
		order, workers = fmt.Sprintf("a swarm of %s (seeds %d..%d), %s", english.Count(*c.swarm, "depth-first search"), *c.seed, *c.seed+uint64(*c.swarm)-1, each), 1
	case *c.dfs:
		order, workers = "depth-first", 1
	case workers == 0:
		workers = runtime.GOMAXPROCS(0)
	}
	if c.shards > 0 {
		order = fmt.Sprintf("%s, shard %d of %d (0 to %d)", order, c.shard, c.shards, c.shards-1)
	}
	fmt.Fprintf(c.stdout, "explore: %s, crashes=%d mid-step-crash=%t, %s; %s, %s\n",
		net, *c.crashes, *c.midStep, bounds, order, english.Count(workers, "worker"))
	if c.inv.names != nil {
		fmt.Fprintf(c.stdout, "explore: checking only %s (--invariants)\n", *c.invariants)
	}
	return ch, func() {
		signal.Stop(sig)
		close(quit)
	}
}

// report prints a search's figures and verdict, for any protocol; on a
// pass it prints notes (the bounds' blind spots) and "ok". It returns the
// exit code, and whether a counterexample is to be written (the caller's,
// with its protocol's trace).
func report[I, K ~uint8, M graph.Message[M]](c *exploreFlags, r *explore.Result[I, K, M], notes []string) (code int, counterexample bool) {
	stdout := c.stdout
	if c.tty {
		fmt.Fprint(c.stderr, "\r\033[K")
	}
	elapsed := r.Elapsed
	if r.Swarm != nil {
		swarmSummary(c, r)
		elapsed = r.Swarm[len(r.Swarm)-1].Elapsed // the figures below are the last search's
	}
	fmt.Fprintf(stdout, "explored %s, %s, max depth %d in %.2fs (%.0f states/s, %s)\n",
		english.Count(r.Distinct, "distinct state"), english.Count(r.Transitions, "transition"), r.MaxDepth, elapsed.Seconds(),
		float64(r.Distinct)/max(elapsed.Seconds(), 1e-9), english.Count(r.Workers, "worker"))
	fmt.Fprintf(stdout, "peak heap %.1f MiB (%.1f bytes a state, the frontier included), %.1f bytes per stored state; symmetry %s, dead-state reduction %s\n",
		float64(r.PeakHeap)/(1<<20), float64(r.PeakHeap)/float64(max(r.Distinct, 1)), r.BytesPerState(), onOff(r.Symmetry), onOff(r.Dead))
	if dir, _, _, _ := c.checkpointing(); dir != "" {
		switch {
		case r.CheckpointErr != nil:
			fmt.Fprintf(stdout, "checkpoint: %v (the search went on without it)\n", r.CheckpointErr)
		case r.Checkpointed > 0:
			fmt.Fprintf(stdout, "checkpoint: the last at depth %d, in %s (--resume %s goes on from it)\n", r.Checkpointed-1, dir, dir)
		case r.Resumed == 0:
			fmt.Fprintf(stdout, "checkpoint: none written (--checkpoint-every %s)\n", *c.checkpointEvery)
		}
	}
	if r.Resumed > 0 {
		fmt.Fprintf(stdout, "resumed from the checkpoint in %s at depth %d: the figures count the run it went on from too\n", *c.resume, r.Resumed-1)
	}
	for _, ref := range r.Refuted {
		fmt.Fprintf(stdout, "reduction not proved for this code, searched again without it: %s: %s\n", ref.Hint, ref.Detail)
	}
	fmt.Fprintf(stdout, "reductions proved against the code in this run: %d node steps certified\n", r.Certified)
	fmt.Fprintf(stdout, "sometimes: value chosen %v, every learner learned %v; deadlocks %d (bound artefacts %d)\n",
		r.Chosen, r.AllLearned, r.Deadlocks, r.BoundDeadlocks)
	if r.SetNetwork {
		fmt.Fprintln(stdout, "network: set (every drop, duplication and reordering; a deadlock is a state no action changes)")
	}
	if r.Spilled > 0 {
		fmt.Fprintf(stdout, "frontier: %s of encoded states spilled to disk, %s compressed (--frontier-memory)\n",
			formatSize(r.Spilled), formatSize(r.SpilledDisk))
	}
	if r.SqueezedAt > 0 {
		fmt.Fprintf(stdout, "memory: past three quarters of --max-memory (%s) at depth %d; from there the frontier went to disk, whatever --frontier-memory allowed\n",
			formatSize(r.MaxMemory), r.SqueezedAt)
	}
	if c.shards > 0 {
		shardSummary(c, r)
	}
	if r.Stopped == "interrupted" {
		fmt.Fprintf(stdout, "INCOMPLETE: interrupted after %s at depth %d, with %s left to expand at that depth at least: no violation in what was searched, which is not every state\n",
			english.Count(r.Distinct, "distinct state"), r.MaxDepth, english.Count(r.Queued, "state"))
		return exitInterrupted, false
	}
	if r.Stopped == "max-memory" {
		fmt.Fprintf(stdout, "INCOMPLETE: the memory limit of %s was reached after %s at depth %d (--max-memory)\n",
			formatSize(r.MaxMemory), english.Count(r.Distinct, "distinct state"), r.MaxDepth)
		return exitIncomplete, false
	}
	verr := r.Err()
	if verr == nil && r.Stopped == "swarm" {
		var states int64
		for _, ss := range r.Swarm {
			states += ss.Distinct
		}
		fmt.Fprintf(stdout, "INCOMPLETE: a swarm of %s found no violation in %s (a state may count in several searches), which is not every state: no search was complete\n",
			english.Count(len(r.Swarm), "search"), english.Count(states, "state"))
		return exitIncomplete, false
	}
	if verr == nil && !r.Complete {
		// A search cut short is never a pass.
		bound := fmt.Sprintf("--max-states %d", *c.maxStates)
		if r.Stopped == "max-depth" {
			bound = fmt.Sprintf("--max-depth %d", *c.maxDepth)
		}
		fmt.Fprintf(stdout, "INCOMPLETE: %s cut the search short after %s at depth %d: no violation in what was searched, which is not every state\n",
			bound, english.Count(r.Distinct, "distinct state"), r.MaxDepth)
		return exitIncomplete, false
	}
	if verr == nil {
		for _, line := range notes {
			fmt.Fprintln(stdout, line)
		}
		fmt.Fprintln(stdout, "ok")
		return exitOK, false
	}
	// One verdict word per kind, as every subcommand says it.
	switch {
	case r.Violation != nil:
		fmt.Fprintln(stdout, violationLine(r))
	case errors.Is(verr, explore.ErrDeadlock):
		fmt.Fprintf(stdout, "DEADLOCK: %s\n", strings.TrimPrefix(verr.Error(), explore.ErrDeadlock.Error()+" "))
	case errors.Is(verr, explore.ErrVacuous):
		fmt.Fprintf(stdout, "VACUOUS: %s\n", strings.TrimPrefix(verr.Error(), explore.ErrVacuous.Error()+": "))
	default:
		fmt.Fprintf(stdout, "FAIL: %v\n", verr)
	}
	return exitViolation, len(r.Path) > 0 || r.Violation != nil || r.Deadlock != nil
}

// shardSummary prints where a shard split its search.
func shardSummary[I, K ~uint8, M graph.Message[M]](c *exploreFlags, r *explore.Result[I, K, M]) {
	sp := r.Split
	if sp.Level == 0 {
		fmt.Fprintf(c.stdout, "shard %d/%d: the search ended before it split (no level at --shard-depth, or of %d states): this shard searched the whole graph\n",
			c.shard, c.shards, explore.ShardLevel*c.shards)
		return
	}
	fmt.Fprintf(c.stdout, "shard %d/%d: split at depth %d, whose %s (%s above it) the shards share out; this one expanded %d of them, and what is below them: its verdict is its share's (merge-reports combines the shards')\n",
		c.shard, c.shards, sp.Depth, english.Count(sp.Level, "state"), english.Count(sp.Above, "state"), sp.Owned)
}

// swarmSummary prints what a swarm did: its searches, the one that found
// a violation (and the command that runs it alone), or the one that was
// complete. The figures report prints after it are that last search's.
func swarmSummary[I, K ~uint8, M graph.Message[M]](c *exploreFlags, r *explore.Result[I, K, M]) {
	var states, transitions int64
	depth := 0
	for _, ss := range r.Swarm {
		states, transitions, depth = states+ss.Distinct, transitions+ss.Transitions, max(depth, ss.MaxDepth)
	}
	last := r.Swarm[len(r.Swarm)-1]
	seeds := fmt.Sprintf("seed %d", last.Order)
	if len(r.Swarm) > 1 {
		seeds = fmt.Sprintf("seeds %d..%d", r.Swarm[0].Order, last.Order)
	}
	fmt.Fprintf(c.stdout, "swarm: %s (%s) stored %s and took %s in all, max depth %d, in %.2fs; below, the last search's figures (seed %d)\n",
		english.Count(len(r.Swarm), "search"), seeds, english.Count(states, "state"), english.Count(transitions, "transition"),
		depth, r.Elapsed.Seconds(), last.Order)
	switch {
	case last.Found:
		fmt.Fprintf(c.stdout, "swarm: search %d (seed %d) found it; it alone: %s\n", len(r.Swarm), last.Order,
			commandLine("explore", c.args, map[string]bool{"seed": true, "swarm": true, "out": true}, nil, "--swarm", "1", "--seed", strconv.FormatUint(last.Order, 10)))
	case r.Complete:
		fmt.Fprintf(c.stdout, "swarm: search %d (seed %d) was complete: it stored every reachable state, so the verdict below is the whole graph's\n", len(r.Swarm), last.Order)
	}
}

// counterexampleDir is --out, made, or a new temporary directory.
func (c *exploreFlags) counterexampleDir() (string, error) {
	if *c.out == "" {
		return os.MkdirTemp("", "paxoscheck-explore-")
	}
	return *c.out, os.MkdirAll(*c.out, 0o755)
}

// parseSize reads a byte count: a number, optionally followed by KiB, MiB,
// GiB or TiB (or K, M, G, T, with or without B, all powers of 1024).
// Empty means the default (0); "0" means no limit (-1).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return 0, nil
	case "0":
		return -1, nil
	}
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.ToUpper(strings.TrimSpace(s[len(num):]))
	x, err := strconv.ParseInt(num, 10, 64)
	if err != nil || x < 0 {
		return 0, fmt.Errorf("%q: want a size such as 8GiB, 512MiB or 1000000", s)
	}
	shift := map[string]uint{"": 0, "B": 0, "K": 10, "KB": 10, "KIB": 10, "M": 20, "MB": 20, "MIB": 20,
		"G": 30, "GB": 30, "GIB": 30, "T": 40, "TB": 40, "TIB": 40}
	sh, ok := shift[unit]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit %q (want KiB, MiB, GiB or TiB)", s, unit)
	}
	if x > (1<<62)>>sh {
		return 0, fmt.Errorf("%q: too large", s)
	}
	return x << sh, nil
}

// formatSize renders a byte count in the largest unit that keeps it >= 1.
func formatSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f, u := float64(n), 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + units[u]
}
