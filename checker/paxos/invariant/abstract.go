package invariant

import (
	"slices"
	"strconv"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/ballot"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/internal/english"
)

// Msg is a message of the spec's msgs set (spec/Paxos.tla): acceptors by
// index, ballots as spec naturals (-1 for none), To dropped.
type Msg struct {
	Type string      // "1b", "2a" or "2b"
	Acc  int         // sender's acceptor index (1b, 2b); -1 otherwise
	Bal  int         // ballot
	MBal int         // 1b: the reported vote's ballot, -1 if none
	MVal paxos.Value // 1b: the reported vote's value
	Val  paxos.Value // 2a, 2b: the value
}

// Abstract is the state the invariants read. It mirrors the variables of
// spec/Paxos.tla: maxBal, maxVBal, maxVal (by acceptor index), msgs,
// proposed and learned.
type Abstract struct {
	NumAcceptors int
	// NumProposers is how the invariants' messages write a ballot: as the
	// code and the diagrams do, round.proposer (ballot.Ballot.String), when
	// it is known (FromWorld); as the spec's number when it is 0 (a state
	// read from TLC, whose ballots are bare naturals).
	NumProposers int
	MaxBal       []int
	MaxVBal      []int
	MaxVal       []paxos.Value
	Msgs         []Msg
	Proposed     []paxos.Value
	Learned      []paxos.Value
}

// FromWorld is the abstraction function: the one documented map from the
// implementation's global state to the spec's variables.
//
//   - maxBal/maxVBal/maxVal[a] are acceptor a's in-memory MaxBal, MaxVBal,
//     MaxVal; while a is crashed, what it has on stable storage (what it
//     will come back with).
//   - ballots map through paxos.Ballot.Spec: (Round-1)*#proposers + index,
//     -1 for none.
//   - msgs is world.State.Sent: every 1b, 2a and 2b ever sent, with the
//     addressee dropped (a broadcast is one spec message). The messages of
//     a step cut short by a crash after its durable write count as sent
//     and lost (world.ActCrashMidStep): the spec's actions are atomic. 1a
//     messages are left out: no invariant reads them.
//   - proposed is the set of values of clients that have invoked.
//   - learned is the set of values the learners currently hold.
func FromWorld(s *world.Setup, st *world.State) Abstract {
	return fromWorld(s, st, Abstract{})
}

// fromWorld is FromWorld writing into a's slices.
func fromWorld(s *world.Setup, st *world.State, a Abstract) Abstract {
	c := &s.Config
	np := len(c.Proposers)
	a = Abstract{NumAcceptors: len(c.Acceptors), NumProposers: np, MaxBal: a.MaxBal[:0], MaxVBal: a.MaxVBal[:0],
		MaxVal: a.MaxVal[:0], Msgs: a.Msgs[:0], Proposed: a.Proposed[:0], Learned: a.Learned[:0]}
	for i := range c.Acceptors {
		v := ViewOf(&st.Nodes[i], &st.Stored[i])
		a.MaxBal = append(a.MaxBal, v.MaxBal.Spec(np))
		a.MaxVBal = append(a.MaxVBal, v.MaxVBal.Spec(np))
		a.MaxVal = append(a.MaxVal, v.MaxVal)
	}
	for _, m := range st.Sent {
		am := Msg{Type: m.Type.String(), Acc: -1, Bal: m.Bal.Spec(np), MBal: -1}
		switch m.Type {
		case paxos.Msg1b:
			am.Acc = c.AcceptorIndex(m.From)
			am.MBal, am.MVal = m.VBal.Spec(np), m.Val
		case paxos.Msg2a:
			am.Val = m.Val
		case paxos.Msg2b:
			am.Acc = c.AcceptorIndex(m.From)
			am.Val = m.Val
		default:
			continue
		}
		a.Msgs = append(a.Msgs, am)
	}
	for _, cl := range s.Clients {
		if st.Invoked.Has(int(cl.ID)) && !slices.Contains(a.Proposed, cl.Value) {
			a.Proposed = append(a.Proposed, cl.Value)
		}
	}
	for i := range st.Nodes {
		if v := ViewOf(&st.Nodes[i], &st.Stored[i]); v.Learned != paxos.None && !slices.Contains(a.Learned, v.Learned) {
			a.Learned = append(a.Learned, v.Learned)
		}
	}
	slices.Sort(a.Proposed)
	slices.Sort(a.Learned)
	return a
}

// NodeView is everything the invariants read of one node (FromWorld reads
// nodes only through ViewOf): an acceptor's promise and last vote, a
// learner's learned value. Two node states with equal views are alike to
// every invariant; the explorer's reductions rely on it (a state they do
// not visit must have the view of one they do).
type NodeView struct {
	MaxBal, MaxVBal paxos.Ballot
	MaxVal          paxos.Value
	Learned         paxos.Value
}

// ViewOf is the view of node n, whose stable storage holds stored: for an
// acceptor its in-memory MaxBal, MaxVBal and MaxVal, or while it is
// crashed what it has on storage (what it will come back with); for a
// learner the value it holds; nothing of a proposer.
func ViewOf(n *paxos.Node, stored *paxos.Durable) NodeView {
	switch n.Role {
	case paxos.RoleAcceptor:
		mem := &n.Mem
		if n.Crashed {
			mem = stored
		}
		return NodeView{MaxBal: mem.MaxBal, MaxVBal: mem.MaxVBal, MaxVal: mem.MaxVal}
	case paxos.RoleLearner:
		return NodeView{Learned: n.Learned}
	}
	return NodeView{}
}

// Invariant is a named state predicate mirrored from spec/Paxos.tla. Check
// returns nil when it holds and an error describing the breach when not.
type Invariant struct {
	Name  string
	Check func(a *Abstract) error
}

// Violation is an invariant failure: which invariant, after which step (0
// is the initial state), why, and the abstract state it failed in.
type Violation struct {
	Invariant string
	Step      int
	Detail    string
	State     Abstract
}

// Error implements error.
func (v *Violation) Error() string {
	return english.Violation(v.Invariant, v.Step, v.Detail)
}

// Check evaluates every invariant of All on a, in order, and returns the
// first violation, or nil.
func Check(a *Abstract, step int) *Violation { return checkSome(All, a, step) }

// checkSome is Check with the invariants invs.
func checkSome(invs []Invariant, a *Abstract, step int) *Violation {
	for _, inv := range invs {
		if err := inv.Check(a); err != nil {
			return &Violation{Invariant: inv.Name, Step: step, Detail: err.Error(), State: *a}
		}
	}
	return nil
}

// CheckWorld abstracts st and checks every invariant.
func CheckWorld(s *world.Setup, st *world.State, step int) *Violation {
	a := FromWorld(s, st)
	return Check(&a, step)
}

// A Checker is CheckWorld keeping its buffers from one call to the next,
// for a search that checks millions of states; one per goroutine.
type Checker struct {
	// Only, when not nil, are the invariants checked instead of All
	// (Select: --invariants).
	Only []Invariant
	a    Abstract
}

// CheckWorld is the package's CheckWorld, with c.Only's invariants.
func (c *Checker) CheckWorld(s *world.Setup, st *world.State, step int) *Violation {
	c.a = fromWorld(s, st, c.a)
	invs := All
	if c.Only != nil {
		invs = c.Only
	}
	v := checkSome(invs, &c.a, step)
	if v != nil {
		// The violation keeps the state; the buffers are reused.
		// (An empty list becomes nil, as FromWorld leaves it.)
		a := &v.State
		a.MaxBal, a.MaxVBal, a.MaxVal = own(a.MaxBal), own(a.MaxVBal), own(a.MaxVal)
		a.Msgs, a.Proposed, a.Learned = own(a.Msgs), own(a.Proposed), own(a.Learned)
	}
	return v
}

// AnyChosen reports whether a value is chosen (spec Chosen) in the state
// CheckWorld last checked: the one definition of "chosen" the harness's
// "sometimes" properties use (the explorer's and the simulator's).
func (c *Checker) AnyChosen() bool { return AnyChosen(&c.a) }

// own returns a copy of x, nil when x is empty.
func own[T any](x []T) []T {
	if len(x) == 0 {
		return nil
	}
	return slices.Clone(x)
}

// bal writes the spec ballot b for a message: "1.2" (round.proposer, the
// numbering of the code, the traces and the diagrams) when NumProposers is
// known, else the spec's number; "none" for -1, the spec's "no ballot".
func (a *Abstract) bal(b int) string {
	switch {
	case b < 0:
		return "none"
	case a.NumProposers <= 0:
		return strconv.Itoa(b)
	}
	return ballot.FromSpec(b, a.NumProposers).String()
}

// ballotSpec is bal with the spec's number in brackets where it helps a
// reader go from the message to a TLC trace: "1.2 [spec 5]".
func (a *Abstract) ballotSpec(b int) string {
	if b < 0 || a.NumProposers <= 0 {
		return a.bal(b)
	}
	return a.bal(b) + " [spec " + strconv.Itoa(b) + "]"
}

// Select returns the invariants of All named in names, in All's order: a
// user's choice of what to check (--invariants), as TLC's cfg names its
// INVARIANTS. An unknown name is an error that lists the known ones.
func Select(names []string) ([]Invariant, error) {
	return graph.Select(All, names, func(i Invariant) string { return i.Name })
}
