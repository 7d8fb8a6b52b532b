// Package mpinvariant holds the Go twins of spec/MultiPaxos.tla's
// invariants, name for name, checked on the states of the state graph
// (checker/graph) of impl/multipaxos.
//
// The abstraction function reads the spec's variables off a state:
// msgs's 2b messages are the graph's Sent (mpworld.SentForm keeps every
// 2b); proposed is the commands of the operations invoked; a proposer's
// replica gives next[r] (Replica.Next) and applied[r] (Replica.Applied).
// Chosen is counted from the votes, as the spec's ChosenIn does: this is
// the one definition of "chosen" on the Go side of the check.
package mpinvariant

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// State is a state of Multi-Paxos's graph.
type State = graph.State[mp.NodeID, mp.Node, mp.Message, mp.Durable]

// View is the abstract state the invariants read.
type View struct {
	// Acceptors is the number of acceptors (for majorities).
	Acceptors int
	// Votes are the 2b votes: per slot, ballot and command, the set of
	// acceptors (by index) that cast it, sorted by slot.
	Votes []Tally
	// Proposed are the commands clients have asked for (spec proposed).
	Proposed []mp.Command
	// Replicas are the live proposers' replicas, by proposer index.
	Replicas []Replica

	// chosen are the slots with a command chosen, sorted, and their
	// commands (ChosenIn). While the view is built, index finds the last
	// tally of a slot and round (slotRound) and next chains the others:
	// hashing the commands' strings was most of a simulated step.
	chosen []slotChosen
	index  map[uint64]int32
	next   []int32
	// seq and lens are applyLog's.
	seq  []mp.Command
	lens []int
}

type slotChosen struct {
	Slot mp.Slot
	Cmds []mp.Command
}

// slotRound is the key of View.index: a slot and a ballot's round.
func slotRound(s mp.Slot, b mp.Ballot) uint64 { return uint64(s)<<32 | uint64(b.Round) }

// Tally is the acceptors that voted Cmd in Slot at Bal.
type Tally struct {
	Slot mp.Slot
	Bal  mp.Ballot
	Cmd  mp.Command
	Accs uint64
}

// Replica is one replica's next slot and applied commands.
type Replica struct {
	Index   int
	Next    mp.Slot
	Applied []mp.Command
}

// Setup is what the abstraction needs of the configuration: the acceptors
// (to index the votes) and every operation's command (to read proposed
// off State.Invoked).
type Setup struct {
	Acceptors []mp.NodeID
	Ops       []mp.Command
}

// ViewOf reads st's abstract state into v, reusing its storage.
func (s *Setup) ViewOf(st *State, v *View) {
	v.Acceptors = len(s.Acceptors)
	v.Votes, v.Proposed, v.Replicas, v.chosen, v.next = v.Votes[:0], v.Proposed[:0], v.Replicas[:0], v.chosen[:0], v.next[:0]
	if v.index == nil {
		v.index = map[uint64]int32{}
	}
	clear(v.index)
	for _, m := range st.Sent {
		if m.Type != mp.Msg2b {
			continue
		}
		a := slices.Index(s.Acceptors, m.From)
		if a < 0 {
			continue
		}
		k := slotRound(m.Slot, m.Bal)
		i, ok := v.index[k]
		for ok && (v.Votes[i].Slot != m.Slot || v.Votes[i].Bal != m.Bal || v.Votes[i].Cmd != m.Cmd) {
			i = v.next[i]
			ok = i >= 0
		}
		if !ok {
			i = int32(len(v.Votes))
			first, had := v.index[k]
			if !had {
				first = -1
			}
			v.index[k] = i
			v.next = append(v.next, first)
			v.Votes = append(v.Votes, Tally{Slot: m.Slot, Bal: m.Bal, Cmd: m.Cmd})
		}
		v.Votes[i].Accs |= 1 << a
	}
	v.countChosen()
	for k, c := range s.Ops {
		if st.Invoked.Has(k) {
			v.Proposed = append(v.Proposed, c)
		}
	}
	for i := range st.Nodes {
		n := &st.Nodes[i]
		if n.Role == mp.RoleProposer && !n.Crashed {
			v.Replicas = append(v.Replicas, Replica{Index: int(n.Index), Next: n.Rep.Next, Applied: n.Rep.Applied})
		}
	}
}

// NewView is the view of a state given by its parts (a state of the
// spec that TLC printed: checker/multipaxos/mpvalidate): the acceptors'
// number, the 2b votes (one tally per slot, ballot and command), the
// proposed commands and the replicas.
func NewView(acceptors int, votes []Tally, proposed []mp.Command, replicas []Replica) *View {
	v := &View{Acceptors: acceptors, Votes: slices.Clone(votes), Proposed: proposed, Replicas: replicas}
	v.countChosen()
	return v
}

// countChosen sorts the votes by slot and counts what is chosen.
func (v *View) countChosen() {
	slices.SortFunc(v.Votes, func(a, b Tally) int { return cmp.Compare(a.Slot, b.Slot) })
	for _, t := range v.Votes {
		if 2*bits.OnesCount64(t.Accs) <= v.Acceptors {
			continue
		}
		if n := len(v.chosen); n == 0 || v.chosen[n-1].Slot != t.Slot {
			v.chosen = append(v.chosen, slotChosen{Slot: t.Slot, Cmds: nil})
		}
		last := &v.chosen[len(v.chosen)-1]
		if !slices.Contains(last.Cmds, t.Cmd) {
			last.Cmds = append(last.Cmds, t.Cmd)
		}
	}
}

// ChosenIn returns the commands chosen in slot s: those a majority voted
// for at one ballot (spec ChosenIn).
func (v *View) ChosenIn(s mp.Slot) []mp.Command {
	i, ok := slices.BinarySearchFunc(v.chosen, s, func(c slotChosen, s mp.Slot) int { return cmp.Compare(c.Slot, s) })
	if !ok {
		return nil
	}
	return v.chosen[i].Cmds
}

// chosenSlots returns every slot in which something is chosen, sorted.
func (v *View) chosenSlots() []mp.Slot {
	out := make([]mp.Slot, len(v.chosen))
	for i, c := range v.chosen {
		out[i] = c.Slot
	}
	return out
}

// applyLog is what applying the chosen log's slots 1..n in order gives
// (spec ApplyLog, with spec Effect: a no-op or a command applied before
// changes nothing), into v.seq, with v.lens[s] seq's length after slot s;
// gap is the first slot of them with nothing chosen (0: none), where it
// stops.
func (v *View) applyLog(n mp.Slot) (gap mp.Slot) {
	v.seq, v.lens = v.seq[:0], append(v.lens[:0], 0)
	for s := mp.Slot(1); s <= n; s++ {
		c := v.ChosenIn(s)
		if len(c) == 0 {
			return s
		}
		if c[0].Op != mp.OpNoop && !slices.Contains(v.seq, c[0]) {
			v.seq = append(v.seq, c[0])
		}
		v.lens = append(v.lens, len(v.seq))
	}
	return 0
}

// Invariant is one invariant: its spec name and its check.
type Invariant struct {
	Name  string
	Check func(v *View) error
}

// All is every invariant, in the order they are checked. (AppliedOnce
// comes before AppliedInOrder: a command applied twice breaks both, and
// AppliedOnce says what went wrong.)
var All = []Invariant{
	{"TypeOK", TypeOK},
	{"Agreement", Agreement},
	{"Validity", Validity},
	{"AppliedOnce", AppliedOnce},
	{"AppliedInOrder", AppliedInOrder},
	{"AppliedPrefix", AppliedPrefix},
}

// TypeOK mirrors spec/MultiPaxos.tla TypeOK. Votes are in slots from 1, at
// real ballots, for commands or the no-op; proposed commands are client
// commands; every replica's next slot is at least 1 and it has applied
// only client commands.
func TypeOK(v *View) error {
	for _, t := range v.Votes {
		if t.Slot < 1 || t.Bal.IsZero() || !t.Cmd.Valid() {
			return fmt.Errorf("a vote %s at ballot %s in slot %d is not of a command in a slot", t.Cmd, t.Bal, t.Slot)
		}
	}
	for _, c := range v.Proposed {
		if !c.Valid() || c.Op == mp.OpNoop {
			return fmt.Errorf("proposed %s is not a client's command", c)
		}
	}
	for _, r := range v.Replicas {
		if r.Next < 1 {
			return fmt.Errorf("replica %d's next slot is %d", r.Index, r.Next)
		}
		for _, c := range r.Applied {
			if !c.Valid() || c.Op == mp.OpNoop {
				return fmt.Errorf("replica %d applied %s, not a client's command", r.Index, c)
			}
		}
	}
	return nil
}

// Agreement mirrors spec/MultiPaxos.tla Agreement. In each slot, at most
// one command is chosen.
func Agreement(v *View) error {
	for _, s := range v.chosenSlots() {
		if c := v.ChosenIn(s); len(c) > 1 {
			return fmt.Errorf("slot %d has %s and %s chosen", s, c[0], c[1])
		}
	}
	return nil
}

// Validity mirrors spec/MultiPaxos.tla Validity. Only a proposed command,
// or a no-op, is chosen.
func Validity(v *View) error {
	for _, s := range v.chosenSlots() {
		for _, c := range v.ChosenIn(s) {
			if c.Op != mp.OpNoop && !slices.Contains(v.Proposed, c) {
				return fmt.Errorf("slot %d has %s chosen, which no client proposed", s, c)
			}
		}
	}
	return nil
}

// AppliedInOrder mirrors spec/MultiPaxos.tla AppliedInOrder. A replica
// applies only chosen commands, in slot order and without gaps: what it
// has applied is the chosen log's first slots applied in order.
func AppliedInOrder(v *View) error {
	var top mp.Slot
	for _, r := range v.Replicas {
		top = max(top, r.Next-1)
	}
	gap := v.applyLog(top)
	for _, r := range v.Replicas {
		if gap != 0 && r.Next-1 >= gap {
			return fmt.Errorf("replica %d has applied up to slot %d, but nothing is chosen in slot %d", r.Index, r.Next-1, gap)
		}
		if want := v.seq[:v.lens[r.Next-1]]; !slices.Equal(r.Applied, want) {
			return fmt.Errorf("replica %d applied %v, but the chosen log's slots 1..%d give %v", r.Index, r.Applied, r.Next-1, want)
		}
	}
	return nil
}

// AppliedPrefix mirrors spec/MultiPaxos.tla AppliedPrefix. The replicas'
// applied logs are prefixes of one another.
func AppliedPrefix(v *View) error {
	for i, a := range v.Replicas {
		for _, b := range v.Replicas[i+1:] {
			short, long := a.Applied, b.Applied
			if len(short) > len(long) {
				short, long = long, short
			}
			if !slices.Equal(short, long[:len(short)]) {
				return fmt.Errorf("replicas %d and %d applied %v and %v: neither is a prefix of the other", a.Index, b.Index, a.Applied, b.Applied)
			}
		}
	}
	return nil
}

// AppliedOnce mirrors spec/MultiPaxos.tla AppliedOnce. A replica applies
// each command at most once.
func AppliedOnce(v *View) error {
	for _, r := range v.Replicas {
		for i, c := range r.Applied {
			if slices.Contains(r.Applied[:i], c) {
				return fmt.Errorf("replica %d applied %s twice", r.Index, c)
			}
		}
	}
	return nil
}

// Checker checks every invariant on states of one graph (a
// graph.Checker); it keeps buffers, never verdicts.
type Checker struct {
	Setup *Setup
	// Only, when not nil, are the invariants checked instead of All
	// (Select: --invariants).
	Only []Invariant
	v    View
	any  bool
}

// Select returns the invariants of All named in names, in All's order
// (graph.Select).
func Select(names []string) ([]Invariant, error) {
	return graph.Select(All, names, func(i Invariant) string { return i.Name })
}

// Check checks st, which is the state after step step.
func (c *Checker) Check(st *State, step int) *graph.Violation {
	c.Setup.ViewOf(st, &c.v)
	c.any = len(c.v.chosen) > 0
	invs := All
	if c.Only != nil {
		invs = c.Only
	}
	for _, inv := range invs {
		if err := inv.Check(&c.v); err != nil {
			return &graph.Violation{Invariant: inv.Name, Step: step, Detail: err.Error()}
		}
	}
	return nil
}

// AnyChosen reports whether some slot had a command chosen in the state
// checked last.
func (c *Checker) AnyChosen() bool { return c.any }
