package replay

import (
	"errors"
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/graph"
)

// ErrSetup is wrapped by the error of a protocol's constructor when the
// trace's header describes no cluster that can be run (bad configuration,
// unknown bug).
var ErrSetup = errors.New("trace header describes no runnable cluster")

// Divergence is the first step where a trace and the code disagree. Want is
// what the code produces at that step, Got what the trace claims.
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

// Ref is a message of a trace with the id it got when it was sent; a
// duplicate's copy names the original (DupOf).
type Ref[M any] struct {
	ID, DupOf int
	Msg       M
}

// StepInfo is what replay reads of a trace step: its number and action
// name (the trace event), the node it names, the graph action it performs
// (Err: the step names none) and the messages it consumes and sends.
type StepInfo[I, K ~uint8, M graph.Message[M]] struct {
	Number int
	Event  string
	Node   I
	Action graph.Action[I, K, M]
	Err    error
	Msg    *Ref[M]
	Sent   []Ref[M]
}

// Protocol is what replay needs of a protocol beyond its state graph: how
// to read its trace steps (type S), how to compare what a step's record
// claims with what the code did, and its invariants. For single-decree
// Paxos it is checker/paxos/paxosmodel's Model.
type Protocol[I, K ~uint8, N any, M graph.Message[M], D, E, S any] interface {
	graph.Protocol[I, K, N, M, D, E]
	// ReadStep reads s.
	ReadStep(s *S) StepInfo[I, K, M]
	// Before compares s with the cluster before the step runs (an
	// invocation's value with its client's, say); After compares s's record of the
	// step's effects (beyond the messages sent, which replay compares)
	// with e, what the code did. Each returns the first field that
	// differs, what the code has and what the trace claims ("" when they
	// agree).
	Before(s *S) (field, want, got string)
	After(s *S, e E) (field, want, got string)
	// Sends lists the messages e sent, in order.
	Sends(e E) []M
	// EachInvariant checks st against every invariant, in a fixed order,
	// and calls f with each one's name and failure (nil: it holds).
	EachInvariant(st *graph.State[I, N, M, D], f func(name string, err error))
}

// Replayer re-executes a trace one step at a time.
type Replayer[I, K ~uint8, N any, M graph.Message[M], D, E, S any] struct {
	// P is the protocol and its cluster (the trace's header).
	P Protocol[I, K, N, M, D, E, S]
	// State is the state after the steps replayed so far.
	State graph.State[I, N, M, D]
	// flight maps the id of every message in flight (per the trace) to
	// its contents; used holds every id ever sent.
	flight map[int]M
	used   map[int]bool
}

// New starts a replay at p's initial state.
func New[I, K ~uint8, N any, M graph.Message[M], D, E, S any](p Protocol[I, K, N, M, D, E, S]) (*Replayer[I, K, N, M, D, E, S], error) {
	r := &Replayer[I, K, N, M, D, E, S]{P: p, flight: map[int]M{}, used: map[int]bool{}}
	var err error
	if r.State, err = graph.Init[I, K, N, M, D, E](p); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	return r, nil
}

// Step replays one trace step. On success the state has advanced and the
// outcome is what the code did. A *Divergence error means the trace and
// the code disagree at this step; the state is then unspecified and the
// replay must stop.
func (r *Replayer[I, K, N, M, D, E, S]) Step(s *S) (graph.Outcome[I, K, M, E], error) {
	p := r.P
	in := p.ReadStep(s)
	div := func(field string, want, got any) error {
		return &Divergence{Step: in.Number, Field: field, Want: fmt.Sprint(want), Got: fmt.Sprint(got)}
	}
	var none graph.Outcome[I, K, M, E]
	if in.Err != nil {
		return none, div("action", "a step the state graph knows", in.Err)
	}
	a := in.Action
	if in.Msg != nil {
		m, ok := r.flight[in.Msg.ID]
		if !ok {
			return none, div("msg.id", "an id of a message in flight", in.Msg.ID)
		}
		if m != in.Msg.Msg {
			return none, div("msg", m, in.Msg.Msg)
		}
	}
	if f, w, g := p.Before(s); f != "" {
		return none, div(f, w, g)
	}
	want := a.Node
	if a.Kind == graph.ActInvoke && int(a.Client) < p.NumClients() {
		want = p.ClientNode(a.Client)
	}
	if in.Node != want {
		return none, div("node", want, in.Node)
	}
	before := r.State.Clone()
	out, err := graph.Apply[I, K, N, M, D, E](p, &r.State, a)
	if err != nil {
		r.State = before
		return out, div("action", "an enabled action", fmt.Sprintf("%s (%v)", in.Event, err))
	}
	if out.Event != in.Event {
		return out, div("action", out.Event, in.Event)
	}

	// Sent: contents in order, then fresh ids.
	sent := p.Sends(out.Effects)
	if out.Dup != nil {
		sent = []M{*out.Dup}
	}
	for i := 0; i < max(len(sent), len(in.Sent)); i++ {
		field := fmt.Sprintf("sent[%d]", i)
		switch {
		case i >= len(in.Sent):
			return out, div(field, sent[i], "no message")
		case i >= len(sent):
			return out, div(field, "no message", in.Sent[i].Msg)
		case sent[i] != in.Sent[i].Msg:
			return out, div(field, sent[i], in.Sent[i].Msg)
		}
		if id := in.Sent[i].ID; r.used[id] || id <= 0 {
			return out, div(field+".id", "a fresh positive id", id)
		}
	}
	if out.Dup != nil && in.Sent[0].DupOf != in.Msg.ID {
		return out, div("sent[0].dup_of", in.Msg.ID, in.Sent[0].DupOf)
	}
	if f, w, g := p.After(s, out.Effects); f != "" {
		return out, div(f, w, g)
	}

	// The trace and the code agree: move the ids along.
	if in.Msg != nil && out.Dup == nil {
		delete(r.flight, in.Msg.ID)
	}
	for _, m := range in.Sent {
		r.flight[m.ID] = m.Msg
		r.used[m.ID] = true
	}
	return out, nil
}

// NetDiff returns the messages that left the network between before and
// after (delivered or dropped) and those that joined it, both sorted
// multisets (graph.State.Net).
func NetDiff[M graph.Message[M]](before, after []M) (gone, added []M) {
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || (i < len(before) && before[i].Compare(after[j]) < 0):
			gone = append(gone, before[i])
			i++
		case i == len(before) || after[j].Compare(before[i]) < 0:
			added = append(added, after[j])
			j++
		default:
			i++
			j++
		}
	}
	return gone, added
}
