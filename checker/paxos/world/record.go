package world

import (
	"fmt"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Recorder runs a world and writes what happens as trace steps, giving every
// message a stable id when it is sent. Messages in flight with equal
// contents are interchangeable; the recorder consumes the oldest copy.
type Recorder struct {
	Setup *Setup
	State State
	Steps []paxostrace.Step
	// ids gives every message sent its id.
	ids traces.Book[paxos.Message]
}

// NewRecorder starts a recorder at the initial state of s.
func NewRecorder(s *Setup) (*Recorder, error) {
	st, err := Init(s)
	if err != nil {
		return nil, err
	}
	return &Recorder{Setup: s, State: st}, nil
}

// Apply performs a and appends its trace step. The step's Time is its
// 1-based index (logical time).
func (r *Recorder) Apply(a Action) (Outcome, error) {
	out, err := r.State.Apply(r.Setup, a)
	if err != nil {
		return out, err
	}
	step := paxostrace.Step{Step: len(r.Steps) + 1, Action: out.Event, Node: a.Node}
	step.Time = int64(step.Step)
	switch a.Kind {
	case ActDeliver, ActDrop, ActCrashMidStep:
		id := r.ids.Take(a.Msg)
		step.Msg = &paxostrace.Msg{ID: id, Message: a.Msg}
	case ActDuplicate:
		orig, ok := r.ids.Oldest(a.Msg)
		if !ok {
			return out, fmt.Errorf("recorder lost track of %s", a.Msg)
		}
		step.Msg = &paxostrace.Msg{ID: orig, Message: a.Msg}
		step.Sent = []paxostrace.Msg{{ID: r.ids.Send(a.Msg), Message: a.Msg, DupOf: orig}}
	case ActInvoke:
		c := a.Client
		step.Client = &c
		step.Value = r.Setup.Clients[c].Value
	}
	if p := out.Effects.Persist; p != nil {
		// A copy: what the code returned may point into a node state
		// that later steps reuse.
		w := *p
		step.Persist = &w
	}
	for _, m := range out.Effects.Send {
		step.Sent = append(step.Sent, paxostrace.Msg{ID: r.ids.Send(m), Message: m})
	}
	step.Learned = out.Effects.Learned
	step.Replies = out.Effects.Replies
	step.Timer = out.Effects.Timer
	r.Steps = append(r.Steps, step)
	return out, nil
}

// Trace returns the recorded trace with a header from the setup.
func (r *Recorder) Trace(source string) paxostrace.Trace {
	return paxostrace.Trace{Header: r.Setup.Header(source), Steps: r.Steps}
}

// ActionOf returns the action that trace step st performs, so that a trace
// can be replayed through State.Apply.
func ActionOf(st *paxostrace.Step) (Action, error) {
	needMsg := func(k ActionKind) (Action, error) {
		if st.Msg == nil {
			return Action{}, fmt.Errorf("step %d: %s needs a msg", st.Step, st.Action)
		}
		return Action{Kind: k, Node: st.Msg.To, Msg: st.Msg.Message}, nil
	}
	switch st.Action {
	case paxostrace.EvPhase1b, paxostrace.EvPhase2a, paxostrace.EvPhase2b, paxostrace.EvLearn, paxostrace.EvNack, paxostrace.EvReturn:
		a, err := needMsg(ActDeliver)
		if err == nil && deliverEvent(a.Msg.Type) != st.Action {
			return a, fmt.Errorf("step %d: action %s cannot consume a %s message", st.Step, st.Action, a.Msg.Type)
		}
		return a, err
	case paxostrace.EvDrop:
		return needMsg(ActDrop)
	case paxostrace.EvDuplicate:
		return needMsg(ActDuplicate)
	case paxostrace.EvPhase1a:
		return Action{Kind: ActTimeout, Node: st.Node}, nil
	case paxostrace.EvCrash:
		if st.Msg != nil {
			return needMsg(ActCrashMidStep)
		}
		return Action{Kind: ActCrash, Node: st.Node}, nil
	case paxostrace.EvRestart:
		return Action{Kind: ActRestart, Node: st.Node}, nil
	case paxostrace.EvInvoke:
		if st.Client == nil {
			return Action{}, fmt.Errorf("step %d: Invoke needs a client", st.Step)
		}
		return Action{Kind: ActInvoke, Node: st.Node, Client: *st.Client}, nil
	}
	return Action{}, fmt.Errorf("step %d: unknown action %q", st.Step, st.Action)
}

// Walk applies up to n actions, each chosen among those enabled by
// pick(len(enabled)), and after each calls after (if not nil) with the
// step's number: a random walk, for tests and fuzz seeds. It stops early
// when no action is enabled; an enabled action that fails is an error.
func (r *Recorder) Walk(n int, pick func(int) int, after func(step int)) error {
	var buf []Action
	for i := 1; i <= n; i++ {
		buf = r.State.Actions(r.Setup, buf[:0])
		if len(buf) == 0 {
			return nil
		}
		a := buf[pick(len(buf))]
		if _, err := r.Apply(a); err != nil {
			return fmt.Errorf("step %d: enabled action %s failed: %w", i, a, err)
		}
		if after != nil {
			after(i)
		}
	}
	return nil
}
