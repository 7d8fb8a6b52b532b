package replay

import (
	"errors"
	"fmt"
	"slices"

	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// ErrSetup is wrapped by the error of New when the trace's header does not
// describe a cluster that can be run (bad configuration, unknown bug).
var ErrSetup = errors.New("trace header describes no runnable cluster")

// Divergence is the first step where a trace and the code disagree. Want is
// what impl/paxos produces at that step, Got what the trace claims.
type Divergence struct {
	Step  int    `json:"step"`
	Field string `json:"field"`
	Want  string `json:"want"`
	Got   string `json:"got"`
}

// Error implements error.
func (d *Divergence) Error() string {
	return fmt.Sprintf("step %d: %s: the code produces %s, the trace claims %s", d.Step, d.Field, d.Want, d.Got)
}

// Replayer re-executes a trace one step at a time.
type Replayer struct {
	// Setup is the cluster of the trace's header.
	Setup world.Setup
	// State is the state after the steps replayed so far.
	State world.State
	// flight maps the id of every message in flight (per the trace) to
	// its contents.
	flight map[int]paxos.Message
	used   map[int]bool
}

// New starts a replay of a trace with header h at the initial state.
func New(h *paxostrace.Header) (*Replayer, error) {
	s, err := world.SetupFromHeader(h)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	r := &Replayer{Setup: s, flight: map[int]paxos.Message{}, used: map[int]bool{}}
	r.State, err = world.Init(&r.Setup)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	return r, nil
}

// Step replays one trace step. On success the state has advanced and the
// outcome is what the code did. A *Divergence error means the trace and
// the code disagree at this step; the state is then unspecified and the
// replay must stop.
func (r *Replayer) Step(s *paxostrace.Step) (world.Outcome, error) {
	div := func(field string, want, got any) error {
		return &Divergence{Step: s.Step, Field: field, Want: fmt.Sprint(want), Got: fmt.Sprint(got)}
	}
	a, err := world.ActionOf(s)
	if err != nil {
		return world.Outcome{}, div("action", "a step the state graph knows", err)
	}
	if s.Msg != nil {
		m, ok := r.flight[s.Msg.ID]
		if !ok {
			return world.Outcome{}, div("msg.id", "an id of a message in flight", s.Msg.ID)
		}
		if m != s.Msg.Message {
			return world.Outcome{}, div("msg", m, s.Msg.Message)
		}
	}
	want := a.Node
	if a.Kind == world.ActInvoke && int(a.Client) < len(r.Setup.Clients) {
		c := r.Setup.Clients[a.Client]
		want = c.Proposer
		if s.Value != c.Value {
			return world.Outcome{}, div("value", q(c.Value), q(s.Value))
		}
	}
	if s.Node != want {
		return world.Outcome{}, div("node", want, s.Node)
	}
	before := r.State.Clone()
	out, err := r.State.Apply(&r.Setup, a)
	if err != nil {
		r.State = before
		return out, div("action", "an enabled action", fmt.Sprintf("%s (%v)", s.Action, err))
	}
	if out.Event != s.Action {
		return out, div("action", out.Event, s.Action)
	}

	// Sent: contents in order, then fresh ids.
	sent := out.Effects.Send
	if out.Dup != nil {
		sent = []paxos.Message{*out.Dup}
	}
	for i := 0; i < max(len(sent), len(s.Sent)); i++ {
		field := fmt.Sprintf("sent[%d]", i)
		switch {
		case i >= len(s.Sent):
			return out, div(field, sent[i], "no message")
		case i >= len(sent):
			return out, div(field, "no message", s.Sent[i].Message)
		case sent[i] != s.Sent[i].Message:
			return out, div(field, sent[i], s.Sent[i].Message)
		}
		if id := s.Sent[i].ID; r.used[id] || id <= 0 {
			return out, div(field+".id", "a fresh positive id", id)
		}
	}
	if out.Dup != nil && s.Sent[0].DupOf != s.Msg.ID {
		return out, div("sent[0].dup_of", s.Msg.ID, s.Sent[0].DupOf)
	}
	if !equalPersist(out.Effects.Persist, s.Persist) {
		return out, div("persist", fmtPersist(out.Effects.Persist), fmtPersist(s.Persist))
	}
	if out.Effects.Learned != s.Learned {
		return out, div("learned", q(out.Effects.Learned), q(s.Learned))
	}
	if !slices.Equal(out.Effects.Replies, s.Replies) {
		return out, div("replies", fmt.Sprintf("%+v", out.Effects.Replies), fmt.Sprintf("%+v", s.Replies))
	}
	if out.Effects.Timer != s.Timer {
		return out, div("timer", timerOp(out.Effects.Timer), timerOp(s.Timer))
	}

	// The trace and the code agree: move the ids along.
	if s.Msg != nil && out.Dup == nil {
		delete(r.flight, s.Msg.ID)
	}
	for _, m := range s.Sent {
		r.flight[m.ID] = m.Message
		r.used[m.ID] = true
	}
	return out, nil
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

// NetDiff returns the messages that left the network between before and
// after (delivered or dropped) and those that joined it, both sorted
// multisets (world.State.Net).
func NetDiff(before, after []paxos.Message) (gone, added []paxos.Message) {
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || (i < len(before) && before[i].Less(after[j])):
			gone = append(gone, before[i])
			i++
		case i == len(before) || after[j].Less(before[i]):
			added = append(added, after[j])
			j++
		default:
			i++
			j++
		}
	}
	return gone, added
}
