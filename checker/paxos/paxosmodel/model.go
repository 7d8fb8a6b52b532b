// Package paxosmodel is single-decree Paxos as the generic checkers see
// it, beyond its state graph (checker/paxos/world): its invariants and
// "sometimes" properties (checker/paxos/invariant) and its traces (traces), as a
// sim.Model; and the simulator at Paxos's types.
package paxosmodel

import (
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/sim"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// The simulator at single-decree Paxos's types.
type (
	Sim        = sim.Sim[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Trace]
	Options    = sim.Options[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Trace]
	Result     = sim.Result[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Trace]
	Batch      = sim.Batch[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Trace]
	Summary    = sim.Summary[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Trace]
	TraceCheck = sim.TraceCheck[paxostrace.Trace]
)

// Model is a Paxos cluster (world.Setup, whose *Setup is its
// graph.Protocol) as the simulator's sim.Model.
type Model struct {
	world.Setup
	// Invariants, when not nil, are the invariants checked instead of
	// every one (invariant.Select: --invariants).
	Invariants []invariant.Invariant
}

var _ sim.Model[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Trace] = (*Model)(nil)

// Copy returns a copy of m (its Setup copied as a value, as Options
// always were).
func (m *Model) Copy() sim.Model[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Trace] {
	c := *m
	return &c
}

// NewChecker returns the invariants of spec/Paxos.tla (checker/paxos/invariant)
// as the checker of one run.
func (m *Model) NewChecker() graph.Checker[paxos.NodeID, paxos.Node, paxos.Message, paxos.Durable] {
	return &checker{s: &m.Setup, c: invariant.Checker{Only: m.Invariants}}
}

// AllLearned is the Learned mask of every learner (by learner index).
func (m *Model) AllLearned() uint64 { return 1<<len(m.Config.Learners) - 1 }

// Record replays actions through a world.Recorder.
func (m *Model) Record(actions []world.Action, source string, seed *uint64, v *graph.Violation) (paxostrace.Trace, error) {
	rec, err := world.NewRecorder(&m.Setup)
	if err != nil {
		return paxostrace.Trace{}, err
	}
	for i, a := range actions {
		if _, err := rec.Apply(a); err != nil {
			return paxostrace.Trace{}, fmt.Errorf("replaying step %d (%s): %w", i+1, a, err)
		}
	}
	tr := rec.Trace(source)
	tr.Header.Seed = seed
	m.Annotate(&tr, v)
	return tr, nil
}

// Annotate writes v (nil: none) into the trace's header.
func (m *Model) Annotate(tr *paxostrace.Trace, v *graph.Violation) {
	if v != nil {
		tr.Header.Violation = &paxostrace.Violation{Invariant: v.Invariant, Step: v.Step, Detail: v.Detail}
	}
}

type checker struct {
	s *world.Setup
	c invariant.Checker
}

func (c *checker) Check(st *graph.State[paxos.NodeID, paxos.Node, paxos.Message, paxos.Durable], step int) *graph.Violation {
	v := c.c.CheckWorld(c.s, (*world.State)(st), step)
	if v == nil {
		return nil
	}
	return &graph.Violation{Invariant: v.Invariant, Step: v.Step, Detail: v.Detail}
}

func (c *checker) AnyChosen() bool { return c.c.AnyChosen() }

// NewSim returns a simulator of o (sim.New).
func NewSim(o Options) (*Sim, error) { return sim.New(o) }

// SimOptions are the simulator's options for the cluster s, with the
// default weights and at most 150 steps a run.
func SimOptions(s world.Setup) Options {
	return Options{Model: &Model{Setup: s}, Weights: sim.DefaultWeights(), MaxSteps: 150}
}

// DefaultSimOptions is the default cluster of issue 2 (world.DefaultSetup)
// with every fault on: drops, duplicates, crashes (also in the middle of a
// step) and restarts.
func DefaultSimOptions() Options {
	s := world.DefaultSetup()
	s.Budget = world.Budget{Drops: 3, Dups: 3, Crashes: 2}
	s.MaxRound = 4
	s.MidStepCrash = true
	return SimOptions(s)
}

// SetupOf returns the cluster of o's model (a *Model).
func SetupOf(o *Options) *world.Setup { return &o.Model.(*Model).Setup }
