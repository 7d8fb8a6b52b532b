package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"

	"github.com/paxoscheck/paxoscheck/checker/paxosexplore"
	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

func init() {
	register(command{name: "explore", summary: "enumerate every interleaving of a small cluster, check every invariant in every state", run: runExplore})
}

func runExplore(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("explore", "explore [flags]", stderr)
	// The defaults are paxosexplore.DefaultSetup: bounds that can expose every
	// catalogue bug, searched in seconds.
	def := paxosexplore.DefaultSetup()
	acceptors := fs.Int("acceptors", len(def.Config.Acceptors), "number of acceptors")
	proposers := fs.Int("proposers", len(def.Config.Proposers), "number of proposers")
	learners := fs.Int("learners", len(def.Config.Learners), "number of learners")
	clients := fs.Int("clients", len(def.Clients), "number of clients (one value each, spread over the proposers)")
	maxRound := fs.Uint("max-round", uint(def.MaxRound), "highest round a proposer may start (at least 1)")
	drops := fs.Int("drops", 0, "message drops allowed (0: never; --network multiset only)")
	dups := fs.Int("dups", 0, "message duplications allowed (0: never; --network multiset only)")
	crashes := fs.Int("crashes", def.Budget.Crashes, "node crashes allowed (0: never); a crashed node may restart")
	crashRoles := fs.String("crash-roles", "acceptor", "roles that may crash: comma list of acceptor, proposer, learner, or all")
	midStep := fs.Bool("mid-step-crash", false, "crashes may also strike after a node persisted and before it sent")
	defNet := "multiset"
	if def.SetNetwork {
		defNet = "set"
	}
	network := fs.String("network", defNet, "network model: set (the spec's msgs: any sent message may be received any number of times or never; every drop, duplication and reordering, no budgets) or multiset (messages in flight, --drops/--dups bound the faults)")
	var bugs listFlag
	fs.Var(&bugs, "bug", "switch on a catalogue bug (repeatable, or a comma list)")
	workers := fs.Int("workers", 0, "parallel workers (0: GOMAXPROCS); the verdict and state count do not depend on it")
	maxStates := fs.Int64("max-states", 0, "stop after this many distinct states (0: no limit)")
	maxDepth := fs.Int("max-depth", 0, "do not expand states at this depth (0: no limit)")
	dfs := fs.Bool("dfs", false, "depth-first (one worker; counterexamples are not shortest)")
	noSym := fs.Bool("no-symmetry", false, "do not merge states that differ by a permutation of acceptors")
	noDead := fs.Bool("no-dead", false, "no dead-state reduction (states differing only in what no later step reads are merged, messages whose delivery can change nothing are left out, crashes that lose nothing are skipped; every reduction is proved against the code in the same run)")
	maxMemory := fs.String("max-memory", "", "stop, incomplete (exit 3), when the process holds more memory than this: bytes, or with KiB, MiB, GiB; 0 for no limit (default: 3/4 of the memory available at start)")
	out := fs.String("out", "", "directory for the counterexample trace (default: a new temporary directory)")
	deadlockErr := fs.Bool("deadlock-is-error", false, "a deadlock that is not a bound artefact fails the run")
	progress := fs.Duration("progress", 0, "also print a progress line to stderr this often when stderr is not a terminal (CI logs; 0: only on a terminal, every second)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "paxoscheck explore: "+format+"\n", a...)
		return exitBadInput
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case *acceptors < 1 || *proposers < 1 || *learners < 1:
		return bad("need at least one acceptor, proposer and learner")
	case *acceptors+*proposers+*learners > 256:
		return bad("%d nodes: at most 256", *acceptors+*proposers+*learners)
	case *clients < 1:
		return bad("--clients %d: need at least 1, or no value is ever proposed", *clients)
	case *maxRound < 1 || *maxRound > 255:
		return bad("--max-round %d: must be 1..255 (rounds bound the graph)", *maxRound)
	case *drops < 0 || *dups < 0 || *crashes < 0:
		return bad("fault budgets must not be negative")
	case *workers < 0 || *maxStates < 0 || *maxDepth < 0:
		return bad("--workers, --max-states and --max-depth must not be negative")
	case *network != "multiset" && *network != "set":
		return bad("--network %q: want multiset or set", *network)
	case *network == "set" && (*drops != 0 || *dups != 0):
		return bad("--drops and --dups need --network multiset: the set network (the default) already has every drop and duplication")
	}
	memLimit, err := parseSize(*maxMemory)
	if err != nil {
		return bad("--max-memory: %v", err)
	}
	bugSet, err := bugs.bugs()
	if err != nil {
		return bad("--bug: %v", err)
	}
	s := world.NewSetup(*acceptors, *proposers, *learners, *clients)
	s.Config.Bugs = bugSet
	s.MaxRound = uint32(*maxRound)
	s.Budget = world.Budget{Drops: *drops, Dups: *dups, Crashes: *crashes}
	s.MidStepCrash = *midStep
	s.SetNetwork = *network == "set"
	s.Crashable = []paxos.NodeID{}
	for _, r := range strings.Split(*crashRoles, ",") {
		switch strings.TrimSpace(r) {
		case "acceptor":
			s.Crashable = append(s.Crashable, s.Config.Acceptors...)
		case "proposer":
			s.Crashable = append(s.Crashable, s.Config.Proposers...)
		case "learner":
			s.Crashable = append(s.Crashable, s.Config.Learners...)
		case "all":
			s.Crashable = nil
		case "":
		default:
			return bad("--crash-roles: unknown role %q (want acceptor, proposer, learner or all)", r)
		}
		if s.Crashable == nil {
			break
		}
	}
	if err := s.Validate(); err != nil {
		return bad("%v", err)
	}
	opt := paxosexplore.Options{Workers: *workers, MaxStates: *maxStates, MaxDepth: *maxDepth, DFS: *dfs,
		NoSymmetry: *noSym, NoDead: *noDead, DeadlockIsError: *deadlockErr, MaxMemory: memLimit}
	if *progress < 0 {
		return bad("--progress: negative interval %s", *progress)
	}
	tty := false
	if f, ok := stderr.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		tty = true
		opt.Progress = func(p paxosexplore.Progress) {
			fmt.Fprintf(stderr, "\r%d distinct, %d queued, depth %d, %.0f states/s   ", p.Distinct, p.Queue, p.Depth, p.StatesPerSec())
		}
		defer fmt.Fprint(stderr, "\r\033[K")
	} else if *progress > 0 {
		opt.ProgressEvery = *progress
		opt.Progress = func(p paxosexplore.Progress) {
			fmt.Fprintf(stderr, "explore: %d distinct, %d queued, depth %d, %.0f states/s, %.0fs\n",
				p.Distinct, p.Queue, p.Depth, p.StatesPerSec(), p.Elapsed.Seconds())
		}
	}
	r, err := paxosexplore.Run(s, opt)
	if err != nil {
		return bad("%v", err)
	}
	if tty {
		fmt.Fprint(stderr, "\r\033[K")
	}
	fmt.Fprintf(stdout, "explored %d distinct states, %d transitions, max depth %d in %.2fs (%.0f states/s, %d workers)\n",
		r.Distinct, r.Transitions, r.MaxDepth, r.Elapsed.Seconds(), r.StatesPerSec(), r.Workers)
	fmt.Fprintf(stdout, "peak heap %.1f MiB, %.1f bytes per stored state; symmetry %v, dead-state reduction %v\n",
		float64(r.PeakHeap)/(1<<20), r.BytesPerState(), r.Symmetry, r.Dead)
	for _, ref := range r.Refuted {
		fmt.Fprintf(stdout, "reduction not proved for this code, searched again without it: %s: %s\n", ref.Hint, ref.Detail)
	}
	fmt.Fprintf(stdout, "reductions proved against the code in this run: %d node steps certified\n", r.Certified)
	fmt.Fprintf(stdout, "sometimes: value chosen %v, every learner learned %v; deadlocks %d (bound artefacts %d)\n",
		r.Chosen, r.AllLearned, r.Deadlocks, r.BoundDeadlocks)
	if r.SetNetwork {
		fmt.Fprintln(stdout, "network: set (every drop, duplication and reordering; a deadlock is a state no action changes)")
	}
	if r.Stopped == "max-memory" {
		fmt.Fprintf(stdout, "INCOMPLETE: the memory limit of %s was reached after %d distinct states at depth %d (--max-memory)\n",
			formatSize(r.MaxMemory), r.Distinct, r.MaxDepth)
		return exitIncomplete
	}
	if !r.Complete && r.Violation == nil && r.Deadlock == nil {
		fmt.Fprintln(stdout, "incomplete: --max-states or --max-depth cut the search short")
	}
	verr := r.Err()
	if verr == nil {
		for _, line := range paxosexplore.CannotExpose(&s) {
			fmt.Fprintf(stdout, "these bounds cannot expose %s\n", line)
		}
		fmt.Fprintln(stdout, "ok")
		return exitOK
	}
	fmt.Fprintf(stdout, "FAIL: %v\n", verr)
	if len(r.Path) > 0 || r.Violation != nil || r.Deadlock != nil {
		tr, err := paxosexplore.Trace(s, r)
		if err != nil {
			fmt.Fprintf(stderr, "paxoscheck explore: %v\n", err)
			return exitViolation
		}
		dir := *out
		if dir == "" {
			if dir, err = os.MkdirTemp("", "paxoscheck-explore-"); err != nil {
				fmt.Fprintf(stderr, "paxoscheck explore: %v\n", err)
				return exitViolation
			}
		} else if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintf(stderr, "paxoscheck explore: %v\n", err)
			return exitViolation
		}
		name := "counterexample"
		if bugSet != 0 {
			name = strings.ReplaceAll(bugSet.String(), ",", "+")
		}
		path := filepath.Join(dir, name+".jsonl")
		if err := paxostrace.WriteFile(path, tr); err != nil {
			fmt.Fprintf(stderr, "paxoscheck explore: %v\n", err)
			return exitViolation
		}
		fmt.Fprintf(stdout, "counterexample (%d steps): %s\n", len(tr.Steps), path)
		if err := paxostrace.RenderText(stdout, &tr, paxostrace.TextOptions{}); err != nil {
			fmt.Fprintf(stderr, "paxoscheck explore: %v\n", err)
		}
	}
	return exitViolation
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
