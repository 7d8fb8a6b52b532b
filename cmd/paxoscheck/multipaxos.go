package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpinvariant"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpmodel"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpscenario"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/sim"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/internal/english"
	"github.com/paxoscheck/paxoscheck/traces"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// Multi-Paxos's entries: its traces (traces/multipaxostrace) checked,
// replayed and drawn; explore and simulate on checker/multipaxos.
func init() {
	registerProtocol(&traceProtocol{name: mptrace.ProtocolName, check: checkMultiPaxos, replay: replayMultiPaxos, read: readMultiPaxos})
	registerSearch(&searchProtocol{name: mptrace.ProtocolName,
		exploreDefaults: exploreDefaults{setNetwork: true},
		explore:         exploreMultiPaxos,
		simDefaults: simDefaults{steps: 1500, drops: 6, dups: 6, crashes: 2,
			weights: sim.DefaultWeights()},
		simulate: simulateMultiPaxos})
}

func checkMultiPaxos(path string, opt replay.Options) (replay.Verdict, error) {
	t, err := mptrace.ReadFile(path)
	if err != nil {
		return replay.Verdict{}, err
	}
	v, err := mpmodel.Check(&t, opt)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

type multiPaxosTrace struct{ t mptrace.Trace }

func readMultiPaxos(path string) (drawer, error) {
	t, err := mptrace.ReadFile(path)
	return multiPaxosTrace{t}, err
}

func (p multiPaxosTrace) claiming(v *traces.Violation) drawer {
	p.t.Header.Violation = v
	return p
}

func (p multiPaxosTrace) draw(w io.Writer, format string, ascii bool, title string) error {
	switch format {
	case "text":
		return mptrace.RenderText(w, &p.t, mptrace.TextOptions{ASCII: ascii})
	case "mermaid":
		return mptrace.RenderMermaid(w, &p.t)
	case "html":
		return mpmodel.WriteHTML(w, &p.t, viewer.Options{Title: title})
	}
	return fmt.Errorf("unknown format %q (want %s)", format, showFormats)
}

// replayMultiPaxos re-executes a Multi-Paxos trace on impl/multipaxos step
// by step (replaySteps): what each step did, the fields of the nodes it
// changed, the network's change, and every invariant newly broken.
func replayMultiPaxos(path string, stdout, stderr io.Writer) int {
	t, err := mptrace.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck replay: %v\n", err)
		return exitBadInput
	}
	m, err := mpmodel.FromHeader(&t.Header)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck replay: %s: %v\n", path, err)
		return exitBadInput
	}
	h := &t.Header
	fmt.Fprintf(stdout, "trace %s: multipaxos, %s %v, %s %v, pipeline %d, %s", path,
		english.Count(len(h.Acceptors), "acceptor"), h.Acceptors, english.Count(len(h.Proposers), "proposer"), h.Proposers,
		h.Pipeline, english.Count(len(h.Ops), "operation"))
	if len(h.Bugs) > 0 {
		fmt.Fprintf(stdout, ", bugs %s", strings.Join(h.Bugs, ","))
	}
	fmt.Fprintf(stdout, ", %s\n", english.Count(len(t.Steps), "step"))
	return replaySteps(m, path, t.Steps, stdout, stderr)
}

// multiPaxosFlags are the cluster and workload flags explore and
// simulate share for Multi-Paxos.
type multiPaxosFlags struct {
	acceptors, proposers, clients, commands, keys, pipeline *int
	maxRound                                                *uint
	workload, crashRoles, rounds                            *string
	bugs                                                    listFlag
	fs                                                      *flag.FlagSet
}

func addMultiPaxosFlags(fs *flag.FlagSet, clients, commands, keys, pipeline int, maxRound uint) *multiPaxosFlags {
	f := &multiPaxosFlags{fs: fs}
	f.acceptors = fs.Int("acceptors", 3, "number of acceptors")
	f.proposers = fs.Int("proposers", 2, "number of proposers (each a leader and a replica)")
	f.clients = fs.Int("clients", clients, "number of client sessions, spread over the proposers")
	f.commands = fs.Int("commands", commands, "commands per client, sent one after the other: put, get, cas, put, ...")
	f.keys = fs.Int("keys", keys, "number of keys (client i uses key (i div proposers) mod keys: each key is shared by clients of different proposers)")
	f.workload = fs.String("workload", "", "the sessions' commands, instead of --clients and --commands: sessions separated by ';', each a list of get, put and cas separated by ',' (\"put,get;put\": client 0 puts and then gets, client 1 puts)")
	f.pipeline = fs.Int("pipeline", pipeline, "slots a leader may have in flight at once (at least 1)")
	f.maxRound = fs.Uint("max-round", maxRound, maxRoundUsage)
	f.rounds = fs.String("rounds", "", "each proposer's own highest round, a comma list by proposer (\"2,1\": the first may start rounds 1 and 2, the second round 1; 0 or left out: --max-round)")
	f.crashRoles = fs.String("crash-roles", "all", fmt.Sprintf(crashRolesUsage, "acceptor, proposer"))
	fs.Var(&f.bugs, "bug", "switch on a Multi-Paxos catalogue bug (repeatable, or a comma list): "+bugList())
	return f
}

func bugList() string {
	var names []string
	for _, b := range mp.Catalogue() {
		names = append(names, b.String())
	}
	return strings.Join(names, ", ")
}

// setup checks the flags and builds the setup (bad: the one-line error).
func (f *multiPaxosFlags) setup() (mpworld.Setup, error) {
	switch {
	case *f.acceptors < 1 || *f.proposers < 1:
		return mpworld.Setup{}, fmt.Errorf("need at least one acceptor and one proposer")
	case *f.acceptors+*f.proposers > 128:
		return mpworld.Setup{}, fmt.Errorf("%d nodes: at most 128", *f.acceptors+*f.proposers)
	case *f.clients < 1 || *f.commands < 1:
		return mpworld.Setup{}, fmt.Errorf("--clients %d --commands %d: need at least one command", *f.clients, *f.commands)
	case *f.clients**f.commands > graph.MaxClients:
		return mpworld.Setup{}, fmt.Errorf("--clients %d x --commands %d = %d commands: at most %d", *f.clients, *f.commands, *f.clients**f.commands, graph.MaxClients)
	case *f.keys < 1:
		return mpworld.Setup{}, fmt.Errorf("--keys %d: need at least 1", *f.keys)
	case *f.pipeline < 1:
		return mpworld.Setup{}, fmt.Errorf("--pipeline %d: a leader needs at least 1 slot in flight", *f.pipeline)
	case *f.maxRound > 1<<20:
		return mpworld.Setup{}, fmt.Errorf("--max-round %d: too large", *f.maxRound)
	}
	var bugs mp.Bugs
	for _, n := range f.bugs.names {
		b, err := mp.ParseBugs(n)
		if err != nil {
			return mpworld.Setup{}, fmt.Errorf("--bug: %s", strings.TrimPrefix(err.Error(), mp.ErrConfig.Error()+": "))
		}
		bugs |= b
	}
	c := mp.NewConfig(*f.acceptors, *f.proposers, *f.pipeline)
	sessions := mpworld.Workload(&c, *f.clients, *f.commands, *f.keys)
	if *f.workload != "" {
		clash := ""
		f.fs.Visit(func(fl *flag.Flag) {
			if fl.Name == "clients" || fl.Name == "commands" {
				clash = fl.Name
			}
		})
		if clash != "" {
			return mpworld.Setup{}, fmt.Errorf("--workload and --%s: the workload gives the sessions and their commands; give one or the other", clash)
		}
		var err error
		if sessions, err = mpworld.ParseWorkload(&c, *f.workload, *f.keys); err != nil {
			return mpworld.Setup{}, fmt.Errorf("--workload: %s", strings.TrimPrefix(err.Error(), mp.ErrConfig.Error()+": "))
		}
	}
	s := mpworld.NewSetup(*f.acceptors, *f.proposers, *f.pipeline, sessions)
	s.Config.Bugs = bugs
	s.MaxRound = uint32(*f.maxRound)
	if *f.rounds != "" {
		for i, w := range strings.Split(*f.rounds, ",") {
			r, err := strconv.ParseUint(strings.TrimSpace(w), 10, 32)
			if err != nil || r > 1<<20 {
				return mpworld.Setup{}, fmt.Errorf("--rounds %q: proposer %d's bound %q is not a round up to %d", *f.rounds, i, w, 1<<20)
			}
			s.Rounds = append(s.Rounds, uint32(r))
		}
		if len(s.Rounds) > *f.proposers {
			return mpworld.Setup{}, fmt.Errorf("--rounds %q: %d bounds for %s", *f.rounds, len(s.Rounds), english.Count(*f.proposers, "proposer"))
		}
	}
	var err error
	roles := map[string][]mp.NodeID{"acceptor": s.Config.Acceptors, "proposer": s.Config.Proposers}
	if s.Crashable, err = parseCrashRoles(*f.crashRoles, roles); err != nil {
		return mpworld.Setup{}, fmt.Errorf("--crash-roles: %w", err)
	}
	return s, s.Validate()
}

// cluster words the cluster and workload of s for the banners of explore
// and simulate.
func (f *multiPaxosFlags) cluster(s *mpworld.Setup) string {
	w := fmt.Sprintf("clients=%d commands=%d keys=%d", *f.clients, *f.commands, *f.keys)
	if *f.workload != "" {
		w = fmt.Sprintf("workload %q keys=%d", *f.workload, *f.keys)
	}
	bugs := "none"
	if s.Config.Bugs != 0 {
		bugs = s.Config.Bugs.String()
	}
	return fmt.Sprintf("acceptors=%d proposers=%d %s pipeline=%d; bugs: %s", *f.acceptors, *f.proposers, w, *f.pipeline, bugs)
}

// roundBounds words --max-round and --rounds for the banners.
func (f *multiPaxosFlags) roundBounds() string {
	if *f.rounds == "" {
		return fmt.Sprintf("max round %d", *f.maxRound)
	}
	return fmt.Sprintf("max round %d, by proposer %s", *f.maxRound, *f.rounds)
}

// exploreMultiPaxos is Multi-Paxos's entry for explore. Its defaults (two
// proposers with a command each, round 1, the set network) search in a
// minute; Multi-Paxos brings no reduction, so every state is hashed whole.
func exploreMultiPaxos(fs *flag.FlagSet) func(c *exploreFlags) int {
	f := addMultiPaxosFlags(fs, 2, 1, 1, 1, 1)
	return func(c *exploreFlags) int {
		if fs.NArg() > 0 {
			return c.bad("unexpected argument %q", fs.Arg(0))
		}
		switch {
		case *f.maxRound == 0:
			return c.bad(unboundedRounds)
		case *c.noSym || *c.noDead:
			return c.bad("--no-symmetry and --no-dead: Multi-Paxos's search has no reduction to switch off (every state is hashed whole)")
		}
		if code, ok := c.check(fs); !ok {
			return code
		}
		s, err := f.setup()
		if err != nil {
			return c.bad("%v", err)
		}
		s.Budget = graph.Budget{Drops: *c.drops, Dups: *c.dups, Crashes: *c.crashes}
		s.MidStepCrash = *c.midStep
		s.SetNetwork = *c.network == "set"
		if _, err := graph.Init(&s); err != nil {
			return c.bad("%v", err)
		}
		if code, ok := c.checkProgress(); !ok {
			return code
		}
		opt := mpmodel.Options{Workers: *c.workers, MaxStates: *c.maxStates, MaxDepth: *c.maxDepth, DFS: *c.dfs, Swarm: *c.swarm, Order: c.order(),
			Shard: c.shard, Shards: c.shards, ShardDepth: *c.shardDepth,
			DeadlockIsError: *c.deadlockErr, MaxMemory: c.memLimit,
			FrontierMemory: c.frontierLimit}
		interrupt, stop := c.begin("multipaxos, "+f.cluster(&s), fmt.Sprintf("crash roles %s, %s", *f.crashRoles, f.roundBounds()))
		defer stop()
		opt.Interrupt = interrupt
		opt.Checkpoint, opt.CheckpointEvery, opt.CheckpointID, opt.Resume = c.checkpointing()
		opt.Progress, opt.ProgressEvery = c.progressFunc()
		if c.tty {
			defer fmt.Fprint(c.stderr, "\r\033[K")
		}
		m := &mpmodel.Model{Setup: s, NoLinearizability: !c.inv.lin}
		if m.Invariants, err = selectInvariants(c.inv, mpinvariant.Select); err != nil {
			return c.bad("--invariants: %v", err)
		}
		r, err := m.Explore(opt)
		if err != nil {
			return c.bad("%v", err)
		}
		name := "counterexample"
		if s.Config.Bugs != 0 {
			name = strings.ReplaceAll(s.Config.Bugs.String(), ",", "+")
		}
		return finishExplore(c, r, nil, name, func(path string) (int, func(io.Writer) error, error) {
			tr, err := (&mpmodel.Model{Setup: s}).Record(r.Path, "explore", nil, r.Violation)
			if err != nil {
				return 0, nil, err
			}
			if err := mptrace.WriteFile(path, tr); err != nil {
				return 0, nil, err
			}
			return len(tr.Steps), func(w io.Writer) error { return mptrace.RenderText(w, &tr, mptrace.TextOptions{}) }, nil
		})
	}
}

// simulateMultiPaxos is Multi-Paxos's entry for simulate: 5 nodes, 4
// clients of 25 commands (100 in all) on 2 keys, every fault, unbounded
// rounds.
func simulateMultiPaxos(fs *flag.FlagSet) func(c *simFlags) int {
	f := addMultiPaxosFlags(fs, 4, 25, 2, 2, 0)
	return func(c *simFlags) int {
		if code, ok := c.checkKeepAll(); !ok {
			return code
		}
		if code, ok := c.parseWeights(sim.DefaultWeights()); !ok {
			return code
		}
		s, err := f.setup()
		if err != nil {
			return c.bad("%v", err)
		}
		s.Budget = graph.Budget{Drops: *c.drops, Dups: *c.dups, Crashes: *c.crashes}
		s.MidStepCrash = *c.midStep
		invs, err := selectInvariants(c.inv, mpinvariant.Select)
		if err != nil {
			return c.bad("--invariants: %v", err)
		}
		o := mpmodel.SimOptions{Model: &mpmodel.Model{Setup: s, Invariants: invs}, Weights: c.weights, MaxSteps: *c.steps}
		if c.inv.lin && !*c.noLin {
			o.Checks = append(o.Checks, mpmodel.LinearizableCheck(*c.linTimeout))
		}
		sm, err := sim.New(o)
		if err != nil {
			return c.bad("%v", err)
		}
		last := *c.seed + uint64(*c.runs) - 1
		banner := []string{
			fmt.Sprintf("simulate multipaxos: seeds %d..%d (%s); %s", *c.seed, last, english.Count(*c.runs, "run"), f.cluster(&s)),
			fmt.Sprintf("simulate multipaxos: budget drops=%d dups=%d crashes=%d mid-step-crash=%t, crash roles %s, %s, max steps %d, weights %s",
				*c.drops, *c.dups, *c.crashes, *c.midStep, *f.crashRoles, f.roundBounds(), *c.steps, &weightsFlag{w: c.weights}),
		}
		return simulate(c, sm, writeMultiPaxosTrace, banner)
	}
}

// writeMultiPaxosTrace writes r's trace to path with the given source.
func writeMultiPaxosTrace(path string, r *mpmodel.SimResult, source string) error {
	tr, err := r.Trace()
	if err != nil {
		return err
	}
	tr.Header.Source = source
	seed := r.Seed
	tr.Header.Seed = &seed
	if err := mptrace.WriteFile(path, tr); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// runMultiPaxosScenario is `scenario --protocol multipaxos`: the
// scenarios of checker/multipaxos/mpscenario, listed or run and drawn as
// runScenario does Paxos's. Exit 1 when the scenario breaks an invariant
// or linearizability (only stale-read is built to).
func runMultiPaxosScenario(name string, list bool, format, out string, ascii bool, stdout, stderr io.Writer) int {
	if list {
		for _, sc := range mpscenario.All {
			fmt.Fprintf(stdout, "%-30s %s\n", sc.Name, sc.Summary)
		}
		return exitOK
	}
	if name == "" {
		fmt.Fprintln(stderr, "paxoscheck scenario: no scenario named (see paxoscheck scenario --protocol multipaxos --list)")
		return exitBadInput
	}
	sc, err := mpscenario.Get(name)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck scenario: %v\n", err)
		return exitBadInput
	}
	t, err := sc.Run()
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck scenario: %v\n", err)
		return exitBadInput
	}
	var buf bytes.Buffer
	switch format {
	case "jsonl":
		err = mptrace.Write(&buf, t)
	case "text", "mermaid", "html":
		err = multiPaxosTrace{t}.draw(&buf, format, ascii, "scenario "+sc.Name)
	default:
		fmt.Fprintf(stderr, "paxoscheck scenario: unknown --format %q (want one of %s)\n", format, strings.Join(scenarioFormats, ", "))
		return exitBadInput
	}
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck scenario: %s: %v\n", sc.Name, err)
		return exitBadInput
	}
	if out != "" {
		err = os.WriteFile(out, buf.Bytes(), 0o644)
	} else {
		_, err = stdout.Write(buf.Bytes())
	}
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck scenario: %v\n", err)
		return exitBadInput
	}
	if v := t.Header.Violation; v != nil {
		fmt.Fprintf(stderr, "paxoscheck scenario: %s: VIOLATION: %s\n", sc.Name, english.Violation(v.Invariant, v.Step, v.Detail))
		return exitViolation
	}
	return exitOK
}
