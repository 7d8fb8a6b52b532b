package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosexplore"
	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/internal/english"
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
// trace: each step re-executed on impl/paxos, the state change of the
// node it touched (a go-cmp diff of the paxos.Node, "-" before, "+"
// after), its durable write, the messages that left and joined the
// network, and the invariant verdict.
func replayPaxos(path string, stdout, stderr io.Writer) int {
	t, err := paxostrace.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck replay: %v\n", err)
		return exitBadInput
	}
	r, err := paxosmodel.NewReplayer(&t.Header)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck replay: %s: %v\n", path, err)
		return exitBadInput
	}
	h := &t.Header
	fmt.Fprintf(stdout, "trace %s: %d acceptors %v, %d proposers %v, %d learners %v", path,
		len(h.Acceptors), h.Acceptors, len(h.Proposers), h.Proposers, len(h.Learners), h.Learners)
	if len(h.Bugs) > 0 {
		fmt.Fprintf(stdout, ", bugs %s", strings.Join(h.Bugs, ","))
	}
	fmt.Fprintf(stdout, ", %d steps\n", len(t.Steps))

	// Every invariant is evaluated after every step; a step lists those it
	// newly breaks, so that a later, worse breach (Agreement after
	// Msg2aInv, say) is not hidden behind the first.
	tr := paxosmodel.Tracker{P: r.P}
	checkAll := func(step int) {
		for _, v := range tr.Observe(&r.State, step) {
			if step > 0 {
				fmt.Fprintf(stdout, "  invariant %s now violated: %s\n", v.Invariant, v.Detail)
			} else {
				fmt.Fprintf(stdout, "invariant %s violated in the initial state: %s\n", v.Invariant, v.Detail)
			}
		}
	}
	checkAll(0)
	for i := range t.Steps {
		s := &t.Steps[i]
		fmt.Fprintf(stdout, "\nstep %d: %s\n", s.Step, describeStep(s))
		ni := r.State.NodeIndex(s.Node)
		var before paxos.Node
		var stored paxos.Durable
		if ni >= 0 {
			before, stored = r.State.Nodes[ni], r.State.Stored[ni]
		}
		net := append([]paxos.Message(nil), r.State.Net...)
		if _, err := r.Step(s); err != nil {
			var d *replay.Divergence
			if errors.As(err, &d) {
				fmt.Fprintf(stdout, "  DIVERGENCE: %s: the code produces %s, the trace claims %s\n", d.Field, d.Want, d.Got)
				fmt.Fprintf(stdout, "\nverdict: the trace diverges from the code at step %d; replay stopped\n", d.Step)
				return exitViolation
			}
			fmt.Fprintf(stderr, "paxoscheck replay: %v\n", err)
			return exitBadInput
		}
		if ni >= 0 {
			after := r.State.Nodes[ni]
			if d := diff(before, after); d == "" {
				fmt.Fprintf(stdout, "  node %d: unchanged\n", s.Node)
			} else {
				fmt.Fprintf(stdout, "  node %d (-before +after):\n%s", s.Node, indent(d, "    "))
			}
			if st := r.State.Stored[ni]; st != stored {
				fmt.Fprintf(stdout, "  stored: %+v -> %+v\n", stored, st)
			}
		}
		gone, added := replay.NetDiff(net, r.State.Net)
		for _, m := range gone {
			fmt.Fprintf(stdout, "  net - %s %d->%d\n", m, m.From, m.To)
		}
		for _, m := range added {
			fmt.Fprintf(stdout, "  net + %s %d->%d\n", m, m.From, m.To)
		}
		checkAll(s.Step)
	}
	if len(tr.Broken) > 0 {
		first := tr.Broken[0]
		fmt.Fprintf(stdout, "\nverdict: invariant %s first violated after step %d: %s\n", first.Invariant, first.Step, first.Detail)
		var names []string
		for _, v := range tr.Broken {
			names = append(names, fmt.Sprintf("%s (step %d)", v.Invariant, v.Step))
		}
		fmt.Fprintf(stdout, "invariants violated during the trace: %s\n", strings.Join(names, ", "))
		return exitViolation
	}
	fmt.Fprintf(stdout, "\nverdict: all %d invariants hold after every step\n", len(invariant.All))
	return exitOK
}

// describeStep renders what a step does, in the trace's own terms.
func describeStep(s *paxostrace.Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at node %d", s.Action, s.Node)
	if s.Msg != nil {
		fmt.Fprintf(&b, ", msg #%d %s %d->%d", s.Msg.ID, s.Msg.Message, s.Msg.From, s.Msg.To)
	}
	if s.Client != nil {
		fmt.Fprintf(&b, ", client %d proposes %q", *s.Client, s.Value)
	}
	if s.Learned != paxos.None {
		fmt.Fprintf(&b, ", learns %q", s.Learned)
	}
	for _, r := range s.Replies {
		fmt.Fprintf(&b, ", answers client %d with %q", r.Client, r.Value)
	}
	fmt.Fprintf(&b, " (time %d)", s.Time)
	return b.String()
}

// diff is cmp.Diff(before, after) made deterministic: go-cmp deliberately
// varies its indentation between U+0020 and U+00A0 from run to run (its
// output is documented as unstable); replay output must be the same every
// time, so every U+00A0 becomes a space.
func diff[N any](before, after N) string {
	return strings.ReplaceAll(cmp.Diff(before, after), "\u00a0", " ")
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	return b.String()
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
			crashes: ss.Budget.Crashes, midStep: ss.MidStepCrash, weights: sd.Weights},
		simulate: simulatePaxos})
}

func explorePaxos(fs *flag.FlagSet) func(c *exploreFlags) int {
	def := paxosexplore.DefaultSetup()
	acceptors := fs.Int("acceptors", len(def.Config.Acceptors), "number of acceptors")
	proposers := fs.Int("proposers", len(def.Config.Proposers), "number of proposers")
	learners := fs.Int("learners", len(def.Config.Learners), "number of learners")
	clients := fs.Int("clients", len(def.Clients), "number of clients (one value each, spread over the proposers)")
	maxRound := fs.Uint("max-round", uint(def.MaxRound), "highest round a proposer may start (at least 1)")
	crashRoles := fs.String("crash-roles", "acceptor", "roles that may crash: comma list of acceptor, proposer, learner, or all")
	var bugs listFlag
	fs.Var(&bugs, "bug", "switch on a catalogue bug (repeatable, or a comma list)")
	return func(c *exploreFlags) int {
		switch {
		case fs.NArg() > 0:
			return c.bad("unexpected argument %q", fs.Arg(0))
		case *acceptors < 1 || *proposers < 1 || *learners < 1:
			return c.bad("need at least one acceptor, proposer and learner")
		case *acceptors+*proposers+*learners > 256:
			return c.bad("%d nodes: at most 256", *acceptors+*proposers+*learners)
		case *clients < 1:
			return c.bad("--clients %d: need at least 1, or no value is ever proposed", *clients)
		case *maxRound < 1 || *maxRound > 255:
			return c.bad("--max-round %d: must be 1..255 (rounds bound the graph)", *maxRound)
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
				return c.bad("--crash-roles: unknown role %q (want acceptor, proposer, learner or all)", r)
			}
			if s.Crashable == nil {
				break
			}
		}
		if err := s.Validate(); err != nil {
			return c.bad("%v", err)
		}
		if code, ok := c.checkProgress(); !ok {
			return code
		}
		opt := paxosexplore.Options{Workers: *c.workers, MaxStates: *c.maxStates, MaxDepth: *c.maxDepth, DFS: *c.dfs,
			NoSymmetry: *c.noSym, NoDead: *c.noDead, DeadlockIsError: *c.deadlockErr, MaxMemory: c.memLimit,
			FrontierMemory: c.frontierLimit}
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
		code, write := report(c, r, notes)
		if !write {
			return code
		}
		tr, err := paxosexplore.Trace(s, r)
		if err != nil {
			fmt.Fprintf(c.stderr, "paxoscheck explore: %v\n", err)
			return exitViolation
		}
		dir, err := c.counterexampleDir()
		if err != nil {
			fmt.Fprintf(c.stderr, "paxoscheck explore: %v\n", err)
			return exitViolation
		}
		name := "counterexample"
		if bugSet != 0 {
			name = strings.ReplaceAll(bugSet.String(), ",", "+")
		}
		path := filepath.Join(dir, name+".jsonl")
		if err := paxostrace.WriteFile(path, tr); err != nil {
			fmt.Fprintf(c.stderr, "paxoscheck explore: %v\n", err)
			return exitViolation
		}
		fmt.Fprintf(c.stdout, "counterexample (%d steps): %s\n", len(tr.Steps), path)
		if err := paxostrace.RenderText(c.stdout, &tr, paxostrace.TextOptions{}); err != nil {
			fmt.Fprintf(c.stderr, "paxoscheck explore: %v\n", err)
		}
		return exitViolation
	}
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
	maxRound := fs.Uint("max-round", uint(ds.MaxRound), "highest proposer round (0: unbounded)")
	var bugs listFlag
	fs.Var(&bugs, "bug", "switch on a catalogue bug (repeatable, or a comma list)")
	return func(c *simFlags) int {
		switch {
		case *clients < 1:
			return c.bad("--clients %d: need at least 1, or no value is ever proposed", *clients)
		case *acceptors < 0 || *proposers < 0 || *learners < 0:
			return c.bad("node counts must not be negative")
		case *acceptors+*proposers+*learners > 256:
			return c.bad("%d nodes: at most 256", *acceptors+*proposers+*learners)
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
		o := paxosmodel.SimOptions(setup)
		o.MaxSteps = *c.steps
		o.Weights = c.weights
		if !*c.noLin {
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
			fmt.Sprintf("simulate: budget drops=%d dups=%d crashes=%d mid-step-crash=%t, max round %d, max steps %d, weights %s",
				*c.drops, *c.dups, *c.crashes, *c.midStep, *maxRound, *c.steps, &weightsFlag{w: c.weights}),
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
