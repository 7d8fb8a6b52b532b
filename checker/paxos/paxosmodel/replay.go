package paxosmodel

import (
	"fmt"
	"slices"

	"github.com/anishathalye/porcupine"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Replay at single-decree Paxos's types: *Model is its replay.Protocol.
type (
	Replayer = replay.Replayer[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Step]
	Tracker  = replay.Tracker[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Step]
)

var _ replay.Protocol[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects, paxostrace.Step] = (*Model)(nil)

// FromHeader is the model of the cluster a trace's header describes, as
// replay runs it (world.SetupFromHeader: no fault budget, the replay
// follows the trace).
func FromHeader(h *paxostrace.Header) (*Model, error) {
	s, err := world.SetupFromHeader(h)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", replay.ErrSetup, err)
	}
	return &Model{Setup: s}, nil
}

// NewReplayer starts a replay of a trace with header h at the initial
// state.
func NewReplayer(h *paxostrace.Header) (*Replayer, error) {
	m, err := FromHeader(h)
	if err != nil {
		return nil, err
	}
	return replay.New(m)
}

// NewTracker returns a Tracker of every invariant of checker/paxos/invariant.
func (m *Model) NewTracker() *Tracker { return &Tracker{P: m} }

// Check replays t against impl/paxos, checks every invariant after every
// step and the client history for linearizability (replay.Check).
func Check(t *paxostrace.Trace, opt replay.Options) (replay.Verdict, error) {
	m, err := FromHeader(&t.Header)
	if err != nil {
		return replay.Verdict{Steps: len(t.Steps), Claimed: t.Header.Violation}, err
	}
	h := replay.History{Ops: func() ([]porcupine.Operation, error) { return FromTrace(t) }, Check: Linearizable}
	return replay.Check(m, t.Steps, t.Header.Violation, h, opt)
}

// ReadStep reads a trace step (world.ActionOf gives its action).
func (m *Model) ReadStep(s *paxostrace.Step) replay.StepInfo[paxos.NodeID, paxos.ClientID, paxos.Message] {
	in := replay.StepInfo[paxos.NodeID, paxos.ClientID, paxos.Message]{Number: s.Step, Event: s.Action, Node: s.Node}
	in.Action, in.Err = world.ActionOf(s)
	if s.Msg != nil {
		in.Msg = &replay.Ref[paxos.Message]{ID: s.Msg.ID, DupOf: s.Msg.DupOf, Msg: s.Msg.Message}
	}
	for _, x := range s.Sent {
		in.Sent = append(in.Sent, replay.Ref[paxos.Message]{ID: x.ID, DupOf: x.DupOf, Msg: x.Message})
	}
	return in
}

// Before checks an invocation's value against its client's.
func (m *Model) Before(s *paxostrace.Step) (field, want, got string) {
	if s.Action == paxostrace.EvInvoke && s.Client != nil && int(*s.Client) < len(m.Clients) {
		if c := m.Clients[*s.Client]; s.Value != c.Value {
			return "value", q(c.Value), q(s.Value)
		}
	}
	return "", "", ""
}

// After compares the step's durable write, learned value, replies and
// timer with the code's effects e.
func (m *Model) After(s *paxostrace.Step, e paxos.Effects) (field, want, got string) {
	switch {
	case !equalPersist(e.Persist, s.Persist):
		return "persist", fmtPersist(e.Persist), fmtPersist(s.Persist)
	case e.Learned != s.Learned:
		return "learned", q(e.Learned), q(s.Learned)
	case !slices.Equal(e.Replies, s.Replies):
		return "replies", fmt.Sprintf("%+v", e.Replies), fmt.Sprintf("%+v", s.Replies)
	case e.Timer != s.Timer:
		return "timer", timerOp(e.Timer), timerOp(s.Timer)
	}
	return "", "", ""
}

// Sends is e.Send.
func (m *Model) Sends(e paxos.Effects) []paxos.Message { return e.Send }

// EachInvariant checks st against every invariant of invariant.All, on
// its abstract state (invariant.FromWorld).
func (m *Model) EachInvariant(st *graph.State[paxos.NodeID, paxos.Node, paxos.Message, paxos.Durable], f func(string, error)) {
	a := invariant.FromWorld(&m.Setup, (*world.State)(st))
	for _, inv := range invariant.All {
		f(inv.Name, inv.Check(&a))
	}
}

func q(v paxos.Value) string {
	if v == paxos.None {
		return "none"
	}
	return fmt.Sprintf("%q", v)
}

// timerOp names a step's timer operation as the trace writes it.
func timerOp(t paxos.TimerOp) string {
	if t == paxos.TimerKeep {
		return "no timer operation"
	}
	return t.String()
}

func equalPersist(a, b *paxos.Durable) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func fmtPersist(d *paxos.Durable) string {
	if d == nil {
		return "no durable write"
	}
	return fmt.Sprintf("%+v", *d)
}
