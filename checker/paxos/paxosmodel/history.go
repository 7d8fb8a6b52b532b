package paxosmodel

import (
	"fmt"
	"math"

	"github.com/anishathalye/porcupine"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Span is the metadata of an operation: the trace steps of its call and its
// return (0 when pending). It shows in the visualization.
type Span struct {
	InvokeStep, ReturnStep int
}

// String renders s for the visualization.
func (s Span) String() string {
	if s.ReturnStep == 0 {
		return fmt.Sprintf("invoked at step %d, never answered", s.InvokeStep)
	}
	return fmt.Sprintf("invoked at step %d, answered at step %d", s.InvokeStep, s.ReturnStep)
}

// FromTrace extracts the client history of t (FromSteps).
func FromTrace(t *paxostrace.Trace) ([]porcupine.Operation, error) {
	return FromSteps(t.Steps)
}

// FromSteps extracts a client history from trace steps: every Invoke step
// opens an operation (client, value, step time); every reply of any step
// closes the oldest open operation of its client with the reply's value at
// that step's time. Operations still open at the end are pending (Return
// is Pending, Output.Pending is set). Operations come out in order of
// invocation; ClientId is the client, as the visualization wants.
//
// A reply to a client with no open operation, or time going backwards, is
// an error wrapping linearize.ErrHistory: such a history was not produced by clients
// of a real system, and checking it would prove nothing.
func FromSteps(steps []paxostrace.Step) ([]porcupine.Operation, error) {
	var ops []porcupine.Operation
	open := map[paxos.ClientID][]int{} // client -> indices into ops, oldest first
	last := int64(math.MinInt64)
	for i := range steps {
		s := &steps[i]
		if s.Time < last {
			return nil, fmt.Errorf("%w: step %d: time %d is before the previous step's %d", linearize.ErrHistory, s.Step, s.Time, last)
		}
		last = s.Time
		if s.Action == paxostrace.EvInvoke {
			if s.Client == nil {
				return nil, fmt.Errorf("%w: step %d: Invoke without a client", linearize.ErrHistory, s.Step)
			}
			c := *s.Client
			open[c] = append(open[c], len(ops))
			ops = append(ops, porcupine.Operation{
				ClientId: int(c),
				Input:    Input{Client: c, Value: s.Value},
				Call:     s.Time,
				Output:   Output{Pending: true},
				Return:   linearize.Return,
				Metadata: Span{InvokeStep: s.Step},
			})
		}
		for _, r := range s.Replies {
			q := open[r.Client]
			if len(q) == 0 {
				return nil, fmt.Errorf("%w: step %d: reply %q to client %d, which has no operation in progress", linearize.ErrHistory, s.Step, r.Value, r.Client)
			}
			op := &ops[q[0]]
			open[r.Client] = q[1:]
			op.Output = Output{Value: r.Value}
			op.Return = s.Time
			md := op.Metadata.(Span)
			md.ReturnStep = s.Step
			op.Metadata = md
		}
	}
	return ops, nil
}
