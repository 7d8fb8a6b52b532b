package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosexplore"
	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/internal/english"
	"github.com/paxoscheck/paxoscheck/traces"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Single-decree Paxos's entry for the trace commands: its traces
// (traces/paxostrace) checked, replayed and drawn by checker/paxos/paxosmodel
// and paxostrace's diagram labels. It is the fallback: a trace no entry
// claims is refused by its reader, which says what it reads.
func init() {
	registerProtocol(&traceProtocol{name: paxostrace.ProtocolName, fallback: true,
		check: checkPaxos, replay: replayPaxos, read: readPaxos})
}

func checkPaxos(path string, opt replay.Options) (replay.Verdict, error) {
	t, err := paxostrace.ReadFile(path)
	if err != nil {
		return replay.Verdict{}, err
	}
	v, err := paxosmodel.Check(&t, opt)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

type paxosTrace struct{ t paxostrace.Trace }

func readPaxos(path string) (drawer, error) {
	t, err := paxostrace.ReadFile(path)
	return paxosTrace{t}, err
}

func (p paxosTrace) claiming(v *traces.Violation) drawer {
	p.t.Header.Violation = v
	return p
}

func (p paxosTrace) draw(w io.Writer, format string, ascii bool, title string) error {
	switch format {
	case "text":
		return paxostrace.RenderText(w, &p.t, paxostrace.TextOptions{ASCII: ascii})
	case "mermaid":
		return paxostrace.RenderMermaid(w, &p.t)
	case "html":
		// One self-contained page (checker/viewer): step through the
		// diagram, node states, diffs, invariants, Porcupine's view.
		return paxosmodel.WriteHTML(w, &p.t, viewer.Options{Title: title})
	}
	return fmt.Errorf("unknown format %q (want %s)", format, showFormats)
}

// replayPaxos is the replay command's view of a single-decree Paxos
// trace (replaySteps): each step re-executed on impl/paxos, the fields of
// the nodes it changed, the messages that left and joined the network,
// and the invariant verdict.
func replayPaxos(path string, stdout, stderr io.Writer) int {
	t, err := paxostrace.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck replay: %v\n", err)
		return exitBadInput
	}
	m, err := paxosmodel.FromHeader(&t.Header)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck replay: %s: %v\n", path, err)
		return exitBadInput
	}
	h := &t.Header
	fmt.Fprintf(stdout, "trace %s: %s %v, %s %v, %s %v", path,
		english.Count(len(h.Acceptors), "acceptor"), h.Acceptors, english.Count(len(h.Proposers), "proposer"), h.Proposers,
		english.Count(len(h.Learners), "learner"), h.Learners)
	if len(h.Bugs) > 0 {
		fmt.Fprintf(stdout, ", bugs %s", strings.Join(h.Bugs, ","))
	}
	fmt.Fprintf(stdout, ", %s\n", english.Count(len(t.Steps), "step"))
	return replaySteps(m, path, t.Steps, stdout, stderr)
}

// Single-decree Paxos's entry for explore: its cluster, bugs, round bound
// and crashable roles; its defaults are paxosexplore.DefaultSetup, bounds
// that can expose every catalogue bug, searched in seconds.
func init() {
	def := paxosexplore.DefaultSetup()
	sd := paxosmodel.DefaultSimOptions()
	ss := paxosmodel.SetupOf(&sd)
	registerSearch(&searchProtocol{name: paxostrace.ProtocolName,
		exploreDefaults: exploreDefaults{crashes: def.Budget.Crashes, setNetwork: def.SetNetwork},
		explore:         explorePaxos,
		simDefaults: simDefaults{steps: sd.MaxSteps, drops: ss.Budget.Drops, dups: ss.Budget.Dups,
			crashes: ss.Budget.Crashes, weights: sd.Weights},
		simulate: simulatePaxos})
}

func explorePaxos(fs *flag.FlagSet) func(c *exploreFlags) int {
	def := paxosexplore.DefaultSetup()
	acceptors := fs.Int("acceptors", len(def.Config.Acceptors), "number of acceptors")
	proposers := fs.Int("proposers", len(def.Config.Proposers), "number of proposers")
	learners := fs.Int("learners", len(def.Config.Learners), "number of learners")
	clients := fs.Int("clients", len(def.Clients), "number of clients (one value each, spread over the proposers)")
	maxRound := fs.Uint("max-round", uint(def.MaxRound), maxRoundUsage)
	crashRoles := fs.String("crash-roles", "acceptor", fmt.Sprintf(crashRolesUsage, "acceptor, proposer, learner"))
	var bugs listFlag
	fs.Var(&bugs, "bug", "switch on a catalogue bug (repeatable, or a comma list)")
	return func(c *exploreFlags) int {
		if err := paxosCluster(*acceptors, *proposers, *learners, *clients); err != nil {
			return c.bad("%v", err)
		}
		switch {
		case fs.NArg() > 0:
			return c.bad("unexpected argument %q", fs.Arg(0))
		case *maxRound == 0:
			return c.bad(unboundedRounds)
		case *maxRound > 255:
			return c.bad("--max-round %d: at most 255 in explore", *maxRound)
		}
		if code, ok := c.check(fs); !ok {
			return code
		}
		bugSet, err := bugs.bugs()
		if err != nil {
			return c.bad("--bug: %v", err)
		}
		s := world.NewSetup(*acceptors, *proposers, *learners, *clients)
		s.Config.Bugs = bugSet
		s.MaxRound = uint32(*maxRound)
		s.Budget = world.Budget{Drops: *c.drops, Dups: *c.dups, Crashes: *c.crashes}
		s.MidStepCrash = *c.midStep
		s.SetNetwork = *c.network == "set"
		if s.Crashable, err = parseCrashRoles(*crashRoles, paxosRoles(&s.Config)); err != nil {
			return c.bad("--crash-roles: %v", err)
		}
		if err := s.Validate(); err != nil {
			return c.bad("%v", err)
		}
		if code, ok := c.checkProgress(); !ok {
			return code
		}
		if c.inv.names != nil && c.inv.lin {
			return c.bad("--invariants: single-decree explore does not check client histories (%s: simulate and check do)", replay.LinearizabilityCheck)
		}
		invs, err := selectInvariants(c.inv, invariant.Select)
		if err != nil {
			return c.bad("--invariants: %v", err)
		}
		opt := paxosexplore.Options{Invariants: invs, Workers: *c.workers, MaxStates: *c.maxStates, MaxDepth: *c.maxDepth, DFS: *c.dfs, Swarm: *c.swarm, Order: c.order(),
			Shard: c.shard, Shards: c.shards, ShardDepth: *c.shardDepth,
			NoSymmetry: *c.noSym, NoDead: *c.noDead, DeadlockIsError: *c.deadlockErr, MaxMemory: c.memLimit,
			FrontierMemory: c.frontierLimit}
		bugNames := "none"
		if bugSet != 0 {
			bugNames = bugSet.String()
		}
		interrupt, stop := c.begin(fmt.Sprintf("acceptors=%d proposers=%d learners=%d clients=%d; bugs: %s", *acceptors, *proposers, *learners, *clients, bugNames),
			fmt.Sprintf("crash roles %s, max round %d", *crashRoles, *maxRound))
		defer stop()
		opt.Interrupt = interrupt
		opt.Checkpoint, opt.CheckpointEvery, opt.CheckpointID, opt.Resume = c.checkpointing()
		opt.Progress, opt.ProgressEvery = c.progressFunc()
		if c.tty {
			defer fmt.Fprint(c.stderr, "\r\033[K")
		}
		r, err := paxosexplore.Run(s, opt)
		if err != nil {
			return c.bad("%v", err)
		}
		var notes []string
		for _, line := range paxosexplore.CannotExpose(&s) {
			notes = append(notes, "these bounds cannot expose "+line)
		}
		name := "counterexample"
		if bugSet != 0 {
			name = strings.ReplaceAll(bugSet.String(), ",", "+")
		}
		return finishExplore(c, r, notes, name, func(path string) (int, func(io.Writer) error, error) {
			tr, err := paxosexplore.Trace(s, r)
			if err != nil {
				return 0, nil, err
			}
			if err := paxostrace.WriteFile(path, tr); err != nil {
				return 0, nil, err
			}
			return len(tr.Steps), func(w io.Writer) error { return paxostrace.RenderText(w, &tr, paxostrace.TextOptions{}) }, nil
		})
	}
}

// paxosCluster checks the cluster flags of explore and simulate, naming
// the flag that is wrong.
func paxosCluster(acceptors, proposers, learners, clients int) error {
	for _, f := range []struct {
		name string
		n    int
	}{{"acceptors", acceptors}, {"proposers", proposers}, {"learners", learners}} {
		if f.n < 1 {
			return fmt.Errorf("--%s %d: need at least 1", f.name, f.n)
		}
	}
	switch {
	case acceptors+proposers+learners > 256:
		return fmt.Errorf("--acceptors %d --proposers %d --learners %d: %d nodes, at most 256", acceptors, proposers, learners, acceptors+proposers+learners)
	case clients < 1:
		return fmt.Errorf("--clients %d: need at least 1, or no value is ever proposed", clients)
	}
	return nil
}

// paxosRoles are single-decree Paxos's roles and their nodes, for
// --crash-roles.
func paxosRoles(c *paxos.Config) map[string][]paxos.NodeID {
	return map[string][]paxos.NodeID{"acceptor": c.Acceptors, "proposer": c.Proposers, "learner": c.Learners}
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

// simulatePaxos is single-decree Paxos's entry for simulate: its cluster,
// bugs and round bound (defaults: paxosmodel.DefaultSimOptions).
func simulatePaxos(fs *flag.FlagSet) func(c *simFlags) int {
	def := paxosmodel.DefaultSimOptions()
	ds := paxosmodel.SetupOf(&def)
	acceptors := fs.Int("acceptors", len(ds.Config.Acceptors), "number of acceptors")
	proposers := fs.Int("proposers", len(ds.Config.Proposers), "number of proposers")
	learners := fs.Int("learners", len(ds.Config.Learners), "number of learners")
	clients := fs.Int("clients", len(ds.Clients), "number of clients (distinct values, spread over the proposers)")
	maxRound := fs.Uint("max-round", uint(ds.MaxRound), maxRoundUsage)
	crashRoles := fs.String("crash-roles", "all", fmt.Sprintf(crashRolesUsage, "acceptor, proposer, learner"))
	var bugs listFlag
	fs.Var(&bugs, "bug", "switch on a catalogue bug (repeatable, or a comma list)")
	return func(c *simFlags) int {
		if err := paxosCluster(*acceptors, *proposers, *learners, *clients); err != nil {
			return c.bad("%v", err)
		}
		switch {
		case *maxRound > 1<<31:
			return c.bad("--max-round %d: too large", *maxRound)
		}
		if code, ok := c.checkKeepAll(); !ok {
			return code
		}
		bugSet, err := bugs.bugs()
		if err != nil {
			return c.bad("--bug: %v", err)
		}
		if code, ok := c.parseWeights(def.Weights); !ok {
			return code
		}
		setup := world.NewSetup(*acceptors, *proposers, *learners, *clients)
		setup.Config.Bugs = bugSet
		setup.Budget = world.Budget{Drops: *c.drops, Dups: *c.dups, Crashes: *c.crashes}
		setup.MidStepCrash = *c.midStep
		setup.MaxRound = uint32(*maxRound)
		if setup.Crashable, err = parseCrashRoles(*crashRoles, paxosRoles(&setup.Config)); err != nil {
			return c.bad("--crash-roles: %v", err)
		}
		invs, err := selectInvariants(c.inv, invariant.Select)
		if err != nil {
			return c.bad("--invariants: %v", err)
		}
		o := paxosmodel.SimOptions(setup)
		o.Model = &paxosmodel.Model{Setup: setup, Invariants: invs}
		o.MaxSteps = *c.steps
		o.Weights = c.weights
		if c.inv.lin && !*c.noLin {
			// Issue 5, item 6: every run is also checked for
			// linearizability; an unknown verdict fails the run.
			timeout := *c.linTimeout
			o.Checks = append(o.Checks, paxosmodel.TraceCheck{Name: replay.LinearizabilityCheck, Check: func(tr *paxostrace.Trace) error {
				return paxosmodel.CheckTrace(tr, timeout)
			}})
		}
		s, err := paxosmodel.NewSim(o)
		if err != nil {
			return c.bad("%v", err)
		}
		bugNames := "none"
		if bugSet != 0 {
			bugNames = bugSet.String()
		}
		last := *c.seed + uint64(*c.runs) - 1
		banner := []string{
			fmt.Sprintf("simulate: seeds %d..%d (%s); acceptors=%d proposers=%d learners=%d clients=%d; bugs: %s",
				*c.seed, last, english.Count(*c.runs, "run"), *acceptors, *proposers, *learners, *clients, bugNames),
			fmt.Sprintf("simulate: budget drops=%d dups=%d crashes=%d mid-step-crash=%t, crash roles %s, max round %d, max steps %d, weights %s",
				*c.drops, *c.dups, *c.crashes, *c.midStep, *crashRoles, *maxRound, *c.steps, &weightsFlag{w: c.weights}),
		}
		return simulate(c, s, writeTrace, banner)
	}
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
