package mpworld

import (
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/traces"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// Header is the trace header of a run of s, written by source.
func (s *Setup) Header(source string) mptrace.Header {
	h := mptrace.Header{Head: mptrace.NewHead(), Acceptors: s.Config.Acceptors, Proposers: s.Config.Proposers,
		Pipeline: s.Config.Pipeline, Run: traces.Run{Source: source, TimeUnit: traces.TimeStep}}
	for _, b := range mp.Catalogue() {
		if s.Config.Bugs.Has(b) {
			h.Bugs = append(h.Bugs, b.String())
		}
	}
	h.Ops = make([]mptrace.Op, len(s.Ops))
	for i, op := range s.Ops {
		h.Ops[i] = mptrace.Op{ID: i, Proposer: op.Proposer, Cmd: op.Cmd}
	}
	return h
}

// SetupFromHeader returns the setup a trace header describes, for
// replaying it: unbounded (a replay follows its trace), sessions in order.
func SetupFromHeader(h *mptrace.Header) (Setup, error) {
	c, err := h.Config()
	if err != nil {
		return Setup{}, err
	}
	s := Setup{Config: c}
	s.Unbounded = true
	for _, op := range h.Ops {
		prev := -1
		for j := len(s.Ops) - 1; j >= 0; j-- {
			if s.Ops[j].Cmd.Client == op.Cmd.Client {
				prev = j
				break
			}
		}
		s.Ops = append(s.Ops, Op{Cmd: op.Cmd, Proposer: op.Proposer})
		s.Follows = append(s.Follows, prev)
	}
	return s, s.Validate()
}

// Recorder runs a setup's graph and writes what happens as trace steps,
// giving every message a stable id when it is sent (of equal messages in
// flight, the oldest copy is consumed first).
type Recorder struct {
	Setup *Setup
	State State
	Steps []mptrace.Step
	ids   traces.Book[mp.Message]
}

// NewRecorder starts a recorder at s's initial state.
func NewRecorder(s *Setup) (*Recorder, error) {
	st, err := graph.Init(s)
	if err != nil {
		return nil, err
	}
	return &Recorder{Setup: s, State: st}, nil
}

// Apply performs a and appends its step (Time: its 1-based index).
func (r *Recorder) Apply(a Action) (Outcome, error) {
	out, err := graph.Apply(r.Setup, &r.State, a)
	if err != nil {
		return out, err
	}
	step := mptrace.Step{Step: len(r.Steps) + 1, Action: out.Event, Node: a.Node}
	step.Time = int64(step.Step)
	switch a.Kind {
	case graph.ActDeliver, graph.ActDrop, graph.ActCrashMidStep:
		step.Msg = &mptrace.Msg{ID: r.ids.Take(a.Msg), Message: a.Msg}
	case graph.ActDuplicate:
		orig, ok := r.ids.Oldest(a.Msg)
		if !ok {
			return out, fmt.Errorf("recorder lost track of %s", a.Msg)
		}
		step.Msg = &mptrace.Msg{ID: orig, Message: a.Msg}
		step.Sent = []mptrace.Msg{{ID: r.ids.Send(a.Msg), Message: a.Msg, DupOf: orig}}
	case graph.ActInvoke:
		k := int(a.Client)
		step.Op = &k
	}
	if p := out.Effects.Persist; p != nil {
		w := *p // a copy: the code's may point into a state later steps reuse
		step.Persist = &w
	}
	for _, m := range out.Effects.Send {
		step.Sent = append(step.Sent, mptrace.Msg{ID: r.ids.Send(m), Message: m})
	}
	step.Learned, step.Applied, step.Replies, step.Timer = out.Effects.Learned, out.Effects.Applied, out.Effects.Replies, out.Effects.Timer
	r.Steps = append(r.Steps, step)
	return out, nil
}

// Trace returns the recorded trace with a header from the setup.
func (r *Recorder) Trace(source string) mptrace.Trace {
	return mptrace.Trace{Header: r.Setup.Header(source), Steps: r.Steps}
}

// Record replays actions from s's initial state and returns the trace,
// written by source. Paths of the set network (Options.SetNetwork) are
// first made ordinary ones (graph.ToMultiset), on the multiset network.
func Record(s *Setup, actions []Action, source string) (mptrace.Trace, error) {
	rs := *s
	if s.SetNetwork {
		actions = graph.ToMultiset(actions)
		rs.SetNetwork = false
		rs.Unbounded = true
	}
	r, err := NewRecorder(&rs)
	if err != nil {
		return mptrace.Trace{}, err
	}
	for i, a := range actions {
		if _, err := r.Apply(a); err != nil {
			return mptrace.Trace{}, fmt.Errorf("step %d (%s): %w", i+1, a, err)
		}
	}
	return r.Trace(source), nil
}

// ActionOf returns the action trace step st performs.
func ActionOf(st *mptrace.Step) (Action, error) {
	needMsg := func(k graph.ActionKind) (Action, error) {
		if st.Msg == nil {
			return Action{}, fmt.Errorf("step %d: %s needs a msg", st.Step, st.Action)
		}
		return Action{Kind: k, Node: st.Msg.To, Msg: st.Msg.Message}, nil
	}
	if t, ok := mptrace.Consumes(st.Action); ok {
		a, err := needMsg(graph.ActDeliver)
		if err == nil && a.Msg.Type != t {
			return a, fmt.Errorf("step %d: %s cannot take a %s message", st.Step, st.Action, a.Msg.Type)
		}
		return a, err
	}
	switch st.Action {
	case mptrace.EvDrop:
		return needMsg(graph.ActDrop)
	case mptrace.EvDuplicate:
		return needMsg(graph.ActDuplicate)
	case mptrace.EvPhase1a:
		return Action{Kind: graph.ActTimeout, Node: st.Node}, nil
	case mptrace.EvCrash:
		if st.Msg != nil {
			return needMsg(graph.ActCrashMidStep)
		}
		return Action{Kind: graph.ActCrash, Node: st.Node}, nil
	case mptrace.EvRestart:
		return Action{Kind: graph.ActRestart, Node: st.Node}, nil
	case mptrace.EvInvoke:
		if st.Op == nil || *st.Op < 0 || *st.Op > 255 {
			return Action{}, fmt.Errorf("step %d: Invoke needs an op", st.Step)
		}
		return Action{Kind: graph.ActInvoke, Node: st.Node, Client: OpID(*st.Op)}, nil
	}
	return Action{}, fmt.Errorf("step %d: unknown action %q", st.Step, st.Action)
}
