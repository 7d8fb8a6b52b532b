package tlcvalidate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/tlctrace"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Driven is a behaviour of the spec run on the code (Drive): issue 15,
// item 3, spec to code.
type Driven struct {
	// Setup is the cluster the behaviour fixes (its acceptors, its
	// ballots, one proposer per ballot, the values they propose).
	Setup world.Setup
	// Trace is the code's run, as far as it went.
	Trace paxostrace.Trace
	// Stuck is the number of the first spec state the code cannot reach
	// from the one before it (0: it took every step), and Why says what
	// was tried.
	Stuck int
	Why   string
	// Violation is the first invariant the code's last state breaks.
	Violation *invariant.Violation
	// State is the code's last state.
	State world.State
}

// maxSubsteps bounds the code's steps that make up one spec step: a
// Phase2a is a proposer's deliveries of a quorum's 1b (two of three), a
// Learn the learner's deliveries of a quorum's 2b, a Phase1a a client's
// request and the proposer's timeout, a Crash a crash and a restart.
const maxSubsteps = 5

// Drive runs behaviour t of spec/Paxos.tla (or of a variant of it, whose
// bugs are bugs) on the code, through the world the explorer and the
// simulator step (impl/paxos behind impl/runner): for each spec step, a
// shortest run of at most maxSubsteps of the code's steps at the node the
// step is of (the acceptor whose message or state changed, the proposer
// owning the ballot of a new 1a or 2a, a client's proposer, the learner)
// that reaches a state whose abstraction (invariant.FromWorld) is the
// spec's next state. The cluster is the one t fixes: its acceptors, one
// proposer per spec ballot (round 1 each), a learner, and a client per
// proposer with the value of its ballot's 2a (else the first value
// proposed). A spec step that no such run takes is reported (Stuck),
// not forced.
func Drive(t *tlc.Trace, bugs paxos.Bugs) (*Driven, error) {
	if len(t.States) == 0 {
		return nil, fmt.Errorf("drive: no state")
	}
	abs := make([]invariant.Abstract, len(t.States))
	for i := range t.States {
		a, err := tlctrace.ToAbstract(&t.States[i])
		if err != nil {
			return nil, fmt.Errorf("drive: %w", err)
		}
		abs[i] = a
	}
	setup, err := driveSetup(t, abs, bugs)
	if err != nil {
		return nil, err
	}
	d := &Driven{Setup: setup}
	st, err := world.Init(&d.Setup)
	if err != nil {
		return nil, fmt.Errorf("drive: %w", err)
	}
	var path []world.Action
	np := len(setup.Config.Proposers)
	for i := 1; i < len(t.States); i++ {
		nodes, new1a := actors(&d.Setup, &abs[i-1], &abs[i], ballots1a(&t.States[i-1]), ballots1a(&t.States[i]))
		sub, ok := walkTo(&d.Setup, &st, nodes, Key(&abs[i]), new1a, np)
		if !ok {
			d.Stuck = i + 1
			var names []string
			for _, n := range nodes {
				r, _, _ := setup.Config.RoleOf(n)
				names = append(names, paxostrace.NodeName(r, n))
			}
			d.Why = fmt.Sprintf("spec state %d (%s: %s) is reached by no run of at most %d of the code's steps at %s (its deliveries, timeouts, client requests, crashes and restarts)",
				i+1, t.States[i].Action, change(&abs[i-1], &abs[i], new1a, np), maxSubsteps, strings.Join(names, ", "))
			break
		}
		for _, a := range sub {
			if _, err := st.Apply(&d.Setup, a); err != nil {
				return nil, fmt.Errorf("drive: spec state %d: %w", i+1, err)
			}
		}
		path = append(path, sub...)
	}
	d.State = st
	d.Violation = invariant.CheckWorld(&d.Setup, &st, len(path))
	// The run as a trace: a path of the set network (a message delivered
	// twice) recorded on the multiset network, as the explorer records
	// its counterexamples, so that check and replay read it.
	ms := d.Setup
	ms.SetNetwork, ms.Unbounded, ms.Budget = false, true, world.Budget{}
	rec, err := world.NewRecorder(&ms)
	if err != nil {
		return nil, fmt.Errorf("drive: %w", err)
	}
	for _, a := range world.ToMultiset(path) {
		if _, err := rec.Apply(a); err != nil {
			return nil, fmt.Errorf("drive: recording the run: %w", err)
		}
	}
	d.Trace = rec.Trace("tlc")
	return d, nil
}

// driveSetup is the cluster behaviour t fixes (Drive).
func driveSetup(t *tlc.Trace, abs []invariant.Abstract, bugs paxos.Bugs) (world.Setup, error) {
	last := &abs[len(abs)-1]
	maxBal := 0
	var order []paxos.Value // values in the order they are first proposed
	for i := range abs {
		a := &abs[i]
		for _, b := range append(append(slices.Clone(a.MaxBal), a.MaxVBal...), ballots1a(&t.States[i])...) {
			maxBal = max(maxBal, b)
		}
		for _, m := range a.Msgs {
			maxBal = max(maxBal, m.Bal, m.MBal)
		}
		for _, v := range a.Proposed {
			if !slices.Contains(order, v) {
				order = append(order, v)
			}
		}
	}
	if len(order) == 0 {
		// No value is ever proposed: the clients' value is one the
		// behaviour never names (their requests are not spec steps it
		// takes, so any step that needs one is reported stuck).
		order = []paxos.Value{"v1"}
	}
	np := maxBal + 1
	s := world.Setup{Config: paxos.NewConfig(last.NumAcceptors, np, 1)}
	s.Config.Bugs = bugs
	s.MaxRound = 1
	s.SetNetwork = true
	s.Crashable = slices.Clone(s.Config.Acceptors)
	s.Budget = world.Budget{Crashes: len(abs)}
	for p := 0; p < np; p++ {
		v := order[0]
		for _, m := range last.Msgs {
			if m.Type == "2a" && m.Bal == p {
				v = m.Val
			}
		}
		s.Clients = append(s.Clients, paxostrace.Client{ID: paxos.ClientID(p), Proposer: s.Config.Proposers[p], Value: v})
	}
	return s, s.Validate()
}

// change words what a spec step from a to b did, ballots as
// round.proposer.
func change(a, b *invariant.Abstract, new1a []int, np int) string {
	var out []string
	for _, x := range new1a {
		out = append(out, "1a b="+specBallot(x, np)+" sent")
	}
	old := map[string]bool{}
	for _, m := range a.Msgs {
		old[m.String()] = true
	}
	for _, m := range b.Msgs {
		if !old[m.String()] {
			out = append(out, m.String()+" sent (spec ballots)")
		}
	}
	for _, v := range b.Proposed {
		if !slices.Contains(a.Proposed, v) {
			out = append(out, string(v)+" proposed")
		}
	}
	for _, v := range b.Learned {
		if !slices.Contains(a.Learned, v) {
			out = append(out, string(v)+" learned")
		}
	}
	if len(out) == 0 {
		return "an acceptor's state changed"
	}
	return strings.Join(out, ", ")
}

// ballots1a are the ballots of the 1a messages of TLC state st (the
// abstraction leaves 1a out).
func ballots1a(st *tlc.State) []int {
	msgs, _ := st.Get("msgs")
	var out []int
	for _, m := range msgs.Elems {
		if t, _ := m.Field("type"); t.Str == "1a" {
			if b, ok := m.Field("bal"); ok {
				out = append(out, b.Int)
			}
		}
	}
	return out
}

// actors are the nodes a spec step from a to b is of, and the ballots of
// its new 1a messages.
func actors(s *world.Setup, a, b *invariant.Abstract, before1a, after1a []int) (nodes []paxos.NodeID, new1a []int) {
	add := func(n paxos.NodeID) {
		if !slices.Contains(nodes, n) {
			nodes = append(nodes, n)
		}
	}
	for _, x := range after1a {
		if !slices.Contains(before1a, x) {
			new1a = append(new1a, x)
			add(s.Config.Proposers[x])
		}
	}
	old := map[string]bool{}
	for _, m := range a.Msgs {
		old[m.String()] = true
	}
	for _, m := range b.Msgs {
		if old[m.String()] {
			continue
		}
		switch m.Type {
		case "2a":
			add(s.Config.Proposers[m.Bal])
		case "1b", "2b":
			add(s.Config.Acceptors[m.Acc])
		}
	}
	for i := 0; i < b.NumAcceptors; i++ {
		if a.MaxBal[i] != b.MaxBal[i] || a.MaxVBal[i] != b.MaxVBal[i] || a.MaxVal[i] != b.MaxVal[i] {
			add(s.Config.Acceptors[i])
		}
	}
	for _, v := range b.Proposed {
		if !slices.Contains(a.Proposed, v) {
			for _, c := range s.Clients {
				if c.Value == v {
					add(c.Proposer)
				}
			}
		}
	}
	for _, v := range b.Learned {
		if !slices.Contains(a.Learned, v) {
			add(s.Config.Learners[0])
		}
	}
	return nodes, new1a
}

// walkTo is a shortest run of at most maxSubsteps actions at nodes from
// st to a state whose abstraction has key want and whose network holds a
// 1a of each ballot of new1a (breadth-first over the code's enabled
// actions; st is not changed).
func walkTo(s *world.Setup, st *world.State, nodes []paxos.NodeID, want string, new1a []int, np int) ([]world.Action, bool) {
	type node struct {
		st   world.State
		path []world.Action
	}
	done := func(x *world.State) bool {
		a := invariant.FromWorld(s, x)
		if Key(&a) != want {
			return false
		}
		for _, b := range new1a {
			if !slices.ContainsFunc(x.Net, func(m paxos.Message) bool { return m.Type == paxos.Msg1a && m.Bal.Spec(np) == b }) {
				return false
			}
		}
		return true
	}
	level := []node{{st: st.Clone()}}
	seen := map[string]bool{string(st.AppendBinary(s, nil)): true}
	var buf []world.Action
	for depth := 0; depth < maxSubsteps && len(level) > 0; depth++ {
		var next []node
		for _, n := range level {
			buf = n.st.Actions(s, buf[:0])
			for _, a := range buf {
				if !slices.Contains(nodes, a.Node) || a.Kind == world.ActDrop || a.Kind == world.ActDuplicate || a.Kind == world.ActCrashMidStep {
					continue
				}
				c := n.st.Clone()
				if _, err := c.Apply(s, a); err != nil {
					continue
				}
				k := string(c.AppendBinary(s, nil))
				if seen[k] {
					continue
				}
				seen[k] = true
				p := append(slices.Clone(n.path), a)
				if done(&c) {
					return p, true
				}
				next = append(next, node{st: c, path: p})
			}
		}
		level = next
	}
	return nil, false
}
