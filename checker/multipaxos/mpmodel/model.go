// Package mpmodel is Multi-Paxos's model for the generic checkers: the
// explorer (checker/explore) and the simulator (checker/sim) run a Model,
// which is mpworld's graph adapter with mpinvariant's invariants. It
// brings no search or simulation of its own.
package mpmodel

import (
	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpinvariant"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// Model is a Multi-Paxos setup as the checkers run it.
type Model struct {
	*mpworld.Setup
}

var _ explore.Model[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects] = Model{}

// NewChecker returns an invariant checker for one worker or run.
func (m Model) NewChecker() graph.Checker[mp.NodeID, mp.Node, mp.Message, mp.Durable] {
	ops := make([]mp.Command, len(m.Ops))
	for i, op := range m.Ops {
		ops[i] = op.Cmd
	}
	return &mpinvariant.Checker{Setup: &mpinvariant.Setup{Acceptors: m.Config.Acceptors, Ops: ops}}
}

// AllLearned is State.Learned once every proposer's replica has learned
// a slot.
func (m Model) AllLearned() uint64 { return 1<<len(m.Config.Proposers) - 1 }

// Options are the explorer's options at Multi-Paxos's types.
type Options = explore.Options[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects]

// Result is an exploration's result.
type Result = explore.Result[mp.NodeID, mpworld.OpID, mp.Message]

// Explore searches s's graph exhaustively (every state hashed whole:
// Multi-Paxos brings no reduction, so nothing rests on its code being
// right).
func Explore(s *mpworld.Setup, opt Options) (*Result, error) {
	return explore.Run[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects](Model{s}, opt)
}
