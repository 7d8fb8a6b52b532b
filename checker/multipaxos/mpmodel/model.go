// Package mpmodel is Multi-Paxos as the generic checkers see it: the
// explorer (checker/explore) and the simulator (checker/sim) run a Model,
// which is mpworld's graph adapter with mpinvariant's invariants and
// multipaxostrace's traces; linearize checks its client histories with
// KV, a Porcupine model of the key-value store partitioned by key. It
// brings no search or simulation of its own.
package mpmodel

import (
	"fmt"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpinvariant"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/sim"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// Model is a Multi-Paxos setup as the checkers run it (*Model is its
// graph.Protocol, through the embedded Setup).
type Model struct {
	mpworld.Setup
	// Invariants, when not nil, are the invariants checked instead of
	// every one (mpinvariant.Select: --invariants); NoLinearizability
	// leaves out the explorer's check of each state's client history.
	Invariants        []mpinvariant.Invariant
	NoLinearizability bool
}

// The checkers at Multi-Paxos's types.
type (
	Options    = explore.Options[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects]
	Result     = explore.Result[mp.NodeID, mpworld.OpID, mp.Message]
	SimOptions = sim.Options[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Trace]
	Sim        = sim.Sim[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Trace]
	SimResult  = sim.Result[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Trace]
	TraceCheck = sim.TraceCheck[mptrace.Trace]
)

var (
	_ explore.Model[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects]            = (*Model)(nil)
	_ sim.Model[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Trace] = (*Model)(nil)
)

// NewChecker returns an invariant checker for one worker or run: the
// spec's invariants and, with Options.History, linearizability of every
// state's client history.
func (m *Model) NewChecker() graph.Checker[mp.NodeID, mp.Node, mp.Message, mp.Durable] {
	a := m.abstraction()
	return &checker{inv: mpinvariant.Checker{Setup: a, Only: m.Invariants}, noLin: m.NoLinearizability, ops: a.Ops, memo: map[string]string{}}
}

// abstraction is what mpinvariant's abstraction needs of the setup.
func (m *Model) abstraction() *mpinvariant.Setup {
	ops := make([]mp.Command, len(m.Ops))
	for i, op := range m.Ops {
		ops[i] = op.Cmd
	}
	return &mpinvariant.Setup{Acceptors: m.Config.Acceptors, Ops: ops}
}

// AllLearned is State.Learned once every proposer's replica has learned
// a slot.
func (m *Model) AllLearned() uint64 { return 1<<len(m.Config.Proposers) - 1 }

// Copy returns a copy of m whose slices changes to m do not reach.
func (m *Model) Copy() sim.Model[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Trace] {
	c := *m
	c.Ops = append([]mpworld.Op(nil), m.Ops...)
	c.Follows = append([]int(nil), m.Follows...)
	c.Rounds = append([]uint32(nil), m.Rounds...)
	c.Config.Acceptors = append([]mp.NodeID(nil), m.Config.Acceptors...)
	c.Config.Proposers = append([]mp.NodeID(nil), m.Config.Proposers...)
	return &c
}

// Record replays actions and returns their trace, with seed and v in its
// header.
func (m *Model) Record(actions []mpworld.Action, source string, seed *uint64, v *graph.Violation) (mptrace.Trace, error) {
	tr, err := mpworld.Record(&m.Setup, actions, source)
	if err != nil {
		return tr, fmt.Errorf("replaying the run: %w", err)
	}
	tr.Header.Seed = seed
	if v != nil && v.Step == len(actions) {
		// The violation is at the path's end; a set network's path has
		// become a longer multiset one (a duplication before each
		// delivery of a message delivered again), so that end is the
		// trace's last step.
		w := *v
		w.Step = len(tr.Steps)
		v = &w
	}
	m.Annotate(&tr, v)
	return tr, nil
}

// Annotate writes v (nil: none) into the trace's header.
func (m *Model) Annotate(tr *mptrace.Trace, v *graph.Violation) {
	if v != nil {
		tr.Header.Violation = &mptrace.Violation{Invariant: v.Invariant, Step: v.Step, Detail: v.Detail}
	}
}

// Explore searches s's graph exhaustively, every state hashed whole:
// Multi-Paxos brings no reduction, so no verdict rests on its code being
// right. Each state carries its path's client history (Options.History,
// switched on here), whose linearizability is checked with the
// invariants.
func Explore(s *mpworld.Setup, opt Options) (*Result, error) {
	return (&Model{Setup: *s}).Explore(opt)
}

// Explore is the package's Explore with m's choice of invariants.
func (m *Model) Explore(opt Options) (*Result, error) {
	c := *m
	c.Options.History = true
	return explore.Run[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects](&c, opt)
}

// Linearizable is the name of the simulator's trace check: the name
// under which check and replay read a header's claim that the history is
// not linearizable (replay.LinearizabilityCheck).
const Linearizable = replay.LinearizabilityCheck

// LinearizableCheck is the simulator's check that a run's client history
// is linearizable under KV (a timeout is a failure: unknown is no pass).
func LinearizableCheck(timeout time.Duration) TraceCheck {
	return TraceCheck{Name: Linearizable, Check: func(tr *mptrace.Trace) error { return CheckTrace(tr, timeout) }}
}

// CheckTrace checks t's client history under KV (linearize.CheckOps).
func CheckTrace(t *mptrace.Trace, timeout time.Duration) error {
	h, err := FromTrace(t)
	if err != nil {
		return err
	}
	return linearize.CheckOps(&KV, h, timeout)
}
