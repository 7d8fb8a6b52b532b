package mpmodel

import (
	"fmt"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpinvariant"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// Replay at Multi-Paxos's types: *Model is its replay.Protocol.
type (
	Replayer = replay.Replayer[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Step]
	Tracker  = replay.Tracker[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Step]
)

var _ replay.Protocol[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Step] = (*Model)(nil)

// FromHeader is the model of the cluster a trace's header describes, as
// replay runs it (mpworld.SetupFromHeader).
func FromHeader(h *mptrace.Header) (*Model, error) {
	s, err := mpworld.SetupFromHeader(h)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", replay.ErrSetup, err)
	}
	return &Model{Setup: s}, nil
}

// Check replays t against impl/multipaxos, checks every invariant after
// every step and the client history for linearizability under KV.
func Check(t *mptrace.Trace, opt replay.Options) (replay.Verdict, error) {
	m, err := FromHeader(&t.Header)
	if err != nil {
		return replay.Verdict{Steps: len(t.Steps), Claimed: t.Header.Violation}, err
	}
	h := replay.History{
		Ops: func() ([]porcupine.Operation, error) { return FromTrace(t) },
		Check: func(ops []porcupine.Operation, timeout time.Duration) linearize.Result {
			return linearize.Check(&KV, ops, timeout)
		},
	}
	return replay.Check(m, t.Steps, t.Header.Violation, h, opt)
}

// ReadStep reads a trace step (mpworld.ActionOf gives its action).
func (m *Model) ReadStep(s *mptrace.Step) replay.StepInfo[mp.NodeID, mpworld.OpID, mp.Message] {
	in := replay.StepInfo[mp.NodeID, mpworld.OpID, mp.Message]{Number: s.Step, Event: s.Action, Node: s.Node}
	in.Action, in.Err = mpworld.ActionOf(s)
	if s.Msg != nil {
		in.Msg = &replay.Ref[mp.Message]{ID: s.Msg.ID, DupOf: s.Msg.DupOf, Msg: s.Msg.Message}
	}
	for _, x := range s.Sent {
		in.Sent = append(in.Sent, replay.Ref[mp.Message]{ID: x.ID, DupOf: x.DupOf, Msg: x.Message})
	}
	return in
}

// Before has nothing to compare: an Invoke names its operation, whose
// command the header holds.
func (m *Model) Before(*mptrace.Step) (field, want, got string) { return "", "", "" }

// After compares the step's durable write, learned and applied slots, replies and
// timer with the code's effects e.
func (m *Model) After(s *mptrace.Step, e mp.Effects) (field, want, got string) {
	switch {
	case !equalPersist(e.Persist, s.Persist):
		return "persist", fmtPersist(e.Persist), fmtPersist(s.Persist)
	case !slices.Equal(e.Learned, s.Learned):
		return "learned", fmt.Sprintf("%v", e.Learned), fmt.Sprintf("%v", s.Learned)
	case !slices.Equal(e.Applied, s.Applied):
		return "applied", fmt.Sprintf("%v", e.Applied), fmt.Sprintf("%v", s.Applied)
	case !slices.Equal(e.Replies, s.Replies):
		return "replies", fmt.Sprintf("%+v", e.Replies), fmt.Sprintf("%+v", s.Replies)
	case e.Timer != s.Timer:
		return "timer", e.Timer.String(), s.Timer.String()
	}
	return "", "", ""
}

// Sends is e.Send.
func (m *Model) Sends(e mp.Effects) []mp.Message { return e.Send }

// EachInvariant checks st against every invariant of mpinvariant.All.
func (m *Model) EachInvariant(st *graph.State[mp.NodeID, mp.Node, mp.Message, mp.Durable], f func(string, error)) {
	var v mpinvariant.View
	m.abstraction().ViewOf(st, &v)
	for _, inv := range mpinvariant.All {
		f(inv.Name, inv.Check(&v))
	}
}

func equalPersist(a, b *mp.Durable) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func fmtPersist(d *mp.Durable) string {
	if d == nil {
		return "no durable write"
	}
	return fmt.Sprintf("%+v", *d)
}
