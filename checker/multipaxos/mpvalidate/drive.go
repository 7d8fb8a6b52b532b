package mpvalidate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpinvariant"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// Driven is a behaviour of spec/MultiPaxos.tla run on the code (Drive):
// issue 15, item 3, spec to code.
type Driven struct {
	// Setup is the cluster the behaviour fixes.
	Setup mpworld.Setup
	// Path is the code's run, as far as it went (on the set network).
	Path []mpworld.Action
	// Stuck is the number of the first spec state the code cannot reach
	// (0: it took every step), and Why says what was tried.
	Stuck int
	Why   string
	// Violation is the first invariant the code's last state breaks.
	Violation *graph.Violation
	// State is the code's last state.
	State mpworld.State
}

// driveSubsteps bounds the code's steps that make up one spec step (or
// a few composed: driveAhead): a Phase2a is a leader's deliveries of a
// quorum's 1b, a Phase1a a client's request and the proposer's timeout,
// an Apply the deliveries of a quorum's 2b at a leader and of its decided
// message at the replica.
const (
	driveSubsteps = 6
	driveAhead    = 3
)

// Drive runs behaviour t of spec/MultiPaxos.tla (or of a bug's variant)
// on the code with bugs switched on, through the graph the explorer and
// the simulator step: for each spec state in turn, a shortest run of at
// most driveSubsteps of the code's steps at the nodes the next steps are
// of that reaches a state whose abstraction (FromWorld) is that spec
// state, or one of the driveAhead after it (one code step may be several
// spec steps: a leader sends the 2a of every slot of its window at once).
// The cluster is the one t fixes: its acceptors, one proposer per spec
// ballot (round 1 each), the replica r<i> being proposer i's, a pipeline
// as wide as the slots, and every spec command a client's command that
// every proposer may be asked for (a client that retries at another
// proposer: a command proposed again is no spec step). A spec step that
// no such run takes is reported (Stuck), not forced.
func Drive(t *tlc.Trace, bugs mp.Bugs) (*Driven, error) {
	if len(t.States) == 0 {
		return nil, fmt.Errorf("drive: no state")
	}
	abs := make([]Abs, len(t.States))
	for i := range t.States {
		a, err := FromTLC(&t.States[i])
		if err != nil {
			return nil, fmt.Errorf("drive: %w", err)
		}
		abs[i] = a
	}
	s, err := driveSetup(abs, bugs)
	if err != nil {
		return nil, err
	}
	d := &Driven{Setup: s}
	m := &d.Setup
	st, err := graph.Init(m)
	if err != nil {
		return nil, fmt.Errorf("drive: %w", err)
	}
	maxSlot := len(abs[0].Vote[0])
	for i := 1; i < len(abs); {
		last := min(len(abs)-1, i+driveAhead)
		var nodes []mp.NodeID
		for j := i; j <= last; j++ {
			for _, n := range actors(m, &abs[j-1], &abs[j]) {
				if !slices.Contains(nodes, n) {
					nodes = append(nodes, n)
				}
			}
		}
		sub, to, ok := walk(m, &st, nodes, abs[i:last+1], maxSlot)
		if !ok {
			d.Stuck = i + 1
			var names []string
			for _, n := range nodes {
				r, _, _ := m.Config.RoleOf(n)
				names = append(names, mptrace.NodeName(r, n))
			}
			d.Why = fmt.Sprintf("spec state %d (%s) is reached by no run of at most %d of the code's steps at %s (their deliveries, timeouts and client requests)",
				i+1, t.States[i].Action, driveSubsteps, strings.Join(names, ", "))
			break
		}
		for _, a := range sub {
			if _, err := graph.Apply(m, &st, a); err != nil {
				return nil, fmt.Errorf("drive: spec state %d: %w", i+1, err)
			}
		}
		d.Path = append(d.Path, sub...)
		i += to + 1
	}
	d.State = st
	ops := make([]mp.Command, len(m.Ops))
	for k, op := range m.Ops {
		ops[k] = op.Cmd
	}
	c := mpinvariant.Checker{Setup: &mpinvariant.Setup{Acceptors: m.Config.Acceptors, Ops: ops}}
	d.Violation = c.Check(&st, len(d.Path))
	return d, nil
}

// driveSetup is the cluster behaviour abs fixes (Drive).
func driveSetup(abs []Abs, bugs mp.Bugs) (mpworld.Setup, error) {
	last := &abs[len(abs)-1]
	maxBal := 0
	for i := range abs {
		for _, m := range abs[i].Msgs {
			maxBal = max(maxBal, m.Bal)
		}
		for _, b := range abs[i].MaxBal {
			maxBal = max(maxBal, b)
		}
	}
	np := max(maxBal+1, len(last.Next))
	var cmds []string
	for i := range abs {
		for _, c := range abs[i].Proposed {
			if !slices.Contains(cmds, c) {
				cmds = append(cmds, c)
			}
		}
	}
	slices.Sort(cmds)
	pipe := max(len(last.Vote[0]), 1)
	s := mpworld.Setup{Config: mp.NewConfig(len(last.MaxBal), np, pipe)}
	s.Config.Bugs = bugs
	s.MaxRound = 1
	s.SetNetwork = true
	for k, name := range cmds {
		if name != fmt.Sprintf("c%d", k+1) {
			return s, fmt.Errorf("drive: the behaviour's commands are %v, want c1, c2, ... in order", cmds)
		}
		cmd := mp.Command{Op: mp.OpPut, Key: name, Val: name, Client: mp.ClientID(k), Seq: 1}
		// The command's first operation goes to its home: the proposer
		// of the first ballot whose 2a carries it (the walk tries
		// requests in operation order and keeps the first that does).
		home := 0
	found:
		for i := range abs {
			for _, m := range abs[i].Msgs {
				if m.Type == "2a" && m.Cmd == name {
					home = m.Bal % np
					break found
				}
			}
		}
		for i := range s.Config.Proposers {
			s.Ops = append(s.Ops, mpworld.Op{Cmd: cmd, Proposer: s.Config.Proposers[(home+i)%np]})
			s.Follows = append(s.Follows, -1)
		}
	}
	return s, s.Validate()
}

// actors are the nodes a spec step from a to b is of: the proposer of a
// new 1a's or 2a's ballot, the acceptor whose state or message changed,
// every proposer for a newly proposed command (any may be asked) and for
// a replica's apply (the leader whose quorum's votes choose the slot
// tells the replica).
func actors(s *mpworld.Setup, a, b *Abs) []mp.NodeID {
	var out []mp.NodeID
	add := func(n mp.NodeID) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	np := len(s.Config.Proposers)
	old := map[string]bool{}
	id := identity(len(a.MaxBal))
	for i := range a.Msgs {
		var w strings.Builder
		a.Msgs[i].write(&w, id, false)
		old[w.String()] = true
	}
	for i := range b.Msgs {
		var w strings.Builder
		b.Msgs[i].write(&w, id, false)
		if old[w.String()] {
			continue
		}
		switch m := b.Msgs[i]; m.Type {
		case "1a", "2a":
			add(s.Config.Proposers[m.Bal%np])
		default:
			add(s.Config.Acceptors[m.Acc])
		}
	}
	for i := range b.MaxBal {
		if a.MaxBal[i] != b.MaxBal[i] || !slices.Equal(a.Vote[i], b.Vote[i]) {
			add(s.Config.Acceptors[i])
		}
	}
	if !slices.Equal(a.Proposed, b.Proposed) || !slices.Equal(a.Next, b.Next) {
		for _, p := range s.Config.Proposers {
			add(p)
		}
	}
	return out
}

// walk is a shortest run of at most driveSubsteps actions at nodes from
// st to a state whose abstraction is one of want, and which (breadth
// first over the code's enabled actions, but drops, duplications and
// crashes; st is not changed). The code's replicas beyond the spec's are
// not compared.
func walk(s *mpworld.Setup, st *mpworld.State, nodes []mp.NodeID, want []Abs, maxSlot int) ([]mpworld.Action, int, bool) {
	type node struct {
		st   mpworld.State
		path []mpworld.Action
	}
	id := [][]int{identity(len(want[0].MaxBal))}
	match := func(x *mpworld.State) int {
		a := FromWorld(s, x, maxSlot)
		for j := range want {
			n := len(want[j].Next)
			if len(a.Next) < n {
				continue
			}
			b := a
			b.Next, b.Applied = a.Next[:n], a.Applied[:n]
			if matchAny(&b, &want[j], id) {
				return j
			}
		}
		return -1
	}
	level := []node{{st: st.Clone()}}
	seen := map[string]bool{string(graph.AppendBinary(s, nil, st)): true}
	var buf []mpworld.Action
	for depth := 0; depth < driveSubsteps && len(level) > 0; depth++ {
		var next []node
		for _, n := range level {
			buf = graph.Actions(s, &n.st, buf[:0])
			for _, a := range buf {
				if !slices.Contains(nodes, a.Node) || a.Kind == graph.ActDrop || a.Kind == graph.ActDuplicate ||
					a.Kind == graph.ActCrash || a.Kind == graph.ActCrashMidStep || a.Kind == graph.ActRestart {
					continue
				}
				c := n.st.Clone()
				if _, err := graph.Apply(s, &c, a); err != nil {
					continue
				}
				k := string(graph.AppendBinary(s, nil, &c))
				if seen[k] {
					continue
				}
				seen[k] = true
				p := append(slices.Clone(n.path), a)
				if j := match(&c); j >= 0 {
					return p, j, true
				}
				next = append(next, node{st: c, path: p})
			}
		}
		level = next
	}
	return nil, 0, false
}
