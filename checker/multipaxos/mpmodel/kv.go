package mpmodel

import (
	"fmt"
	"math"

	"github.com/anishathalye/porcupine"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// Output is what an operation returned; Pending marks one whose reply
// never came (the model accepts any output for it).
type Output struct {
	Reply   mp.Reply
	Pending bool
}

// kvState is one key's state: its value and whether it is present.
type kvState struct {
	Val     string
	Present bool
}

// kvStep is the sequential specification of one key of the store, as
// impl/multipaxos's KV applies commands: Get returns the value (Found:
// present); Put sets it; CAS sets it to Val if it holds Old ("" for an
// absent key) and says whether it did. A pending operation may have taken
// effect or not: Porcupine may linearize it anywhere after its call or
// never (its return is at infinity), and its effect is the command's.
func kvStep(st, in, out any) (bool, any) {
	s, c, o := st.(kvState), in.(mp.Command), out.(Output)
	switch c.Op {
	case mp.OpGet:
		return o.Pending || (o.Reply.Found == s.Present && o.Reply.Value == s.Val), s
	case mp.OpPut:
		return true, kvState{Val: c.Val, Present: true}
	case mp.OpCAS:
		ok := s.Val == c.Old
		if !o.Pending && o.Reply.OK != ok {
			return false, s
		}
		if ok {
			return true, kvState{Val: c.Val, Present: true}
		}
		return true, s
	}
	return false, s
}

// KV is the key-value store as its clients see it, for linearize:
// Porcupine's model partitioned by key (keys are independent, so each is
// checked alone), with pending operations and an explanation.
var KV = linearize.Model{
	Model: porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string]int{}
			var out [][]porcupine.Operation
			for _, op := range history {
				k := op.Input.(mp.Command).Key
				i, ok := byKey[k]
				if !ok {
					i = len(out)
					byKey[k] = i
					out = append(out, nil)
				}
				out[i] = append(out[i], op)
			}
			return out
		},
		Init:  func() any { return kvState{} },
		Step:  kvStep,
		Equal: func(a, b any) bool { return a.(kvState) == b.(kvState) },
		DescribeOperation: func(in, out any) string {
			c, o := in.(mp.Command), out.(Output)
			if o.Pending {
				return c.String() + " -> ? (pending)"
			}
			switch c.Op {
			case mp.OpGet:
				if !o.Reply.Found {
					return c.String() + " -> absent"
				}
				return fmt.Sprintf("%s -> %q", c, o.Reply.Value)
			case mp.OpCAS:
				return fmt.Sprintf("%s -> %v", c, o.Reply.OK)
			}
			return c.String() + " -> ok"
		},
		DescribeState: func(st any) string {
			s := st.(kvState)
			if !s.Present {
				return "absent"
			}
			return fmt.Sprintf("%q", s.Val)
		},
		DescribeOperationMetadata: func(md any) string {
			if md == nil {
				return ""
			}
			return fmt.Sprint(md)
		},
	},
	Pending: func(op porcupine.Operation) bool { return op.Output.(Output).Pending },
	Explain: func(history []porcupine.Operation) string {
		return fmt.Sprintf("no order of the %d operations explains every reply: some read or CAS saw a value the key did not hold at any point it could have been ordered", len(history))
	},
}

// Span is an operation's metadata: the steps of its call and return (0:
// pending).
type Span struct{ InvokeStep, ReturnStep int }

// String renders s.
func (s Span) String() string {
	if s.ReturnStep == 0 {
		return fmt.Sprintf("invoked at step %d, never answered", s.InvokeStep)
	}
	return fmt.Sprintf("invoked at step %d, answered at step %d", s.InvokeStep, s.ReturnStep)
}

// FromTrace extracts t's client history: each Invoke opens its
// operation's command; the reply naming the command (client and
// sequence number) closes it. Operations never answered are pending. A
// reply to no open operation, or time going backwards, is an error
// wrapping linearize.ErrHistory. ClientId is the session.
func FromTrace(t *mptrace.Trace) ([]porcupine.Operation, error) {
	var ops []porcupine.Operation
	open := map[[2]uint32]int{} // (client, seq) -> index into ops
	last := int64(math.MinInt64)
	for i := range t.Steps {
		s := &t.Steps[i]
		if s.Time < last {
			return nil, fmt.Errorf("%w: step %d: time %d is before the previous step's %d", linearize.ErrHistory, s.Step, s.Time, last)
		}
		last = s.Time
		if s.Action == mptrace.EvInvoke {
			if s.Op == nil || *s.Op < 0 || *s.Op >= len(t.Header.Ops) {
				return nil, fmt.Errorf("%w: step %d: Invoke of no operation of the header", linearize.ErrHistory, s.Step)
			}
			c := t.Header.Ops[*s.Op].Cmd
			open[[2]uint32{uint32(c.Client), c.Seq}] = len(ops)
			ops = append(ops, porcupine.Operation{ClientId: int(c.Client), Input: c, Call: s.Time,
				Output: Output{Pending: true}, Return: linearize.Return, Metadata: Span{InvokeStep: s.Step}})
		}
		for _, r := range s.Replies {
			k := [2]uint32{uint32(r.Client), r.Seq}
			j, ok := open[k]
			if !ok {
				return nil, fmt.Errorf("%w: step %d: a reply to command %d of client %d, which is not in progress", linearize.ErrHistory, s.Step, r.Seq, r.Client)
			}
			delete(open, k)
			ops[j].Output, ops[j].Return = Output{Reply: r}, s.Time
			ops[j].Metadata = Span{InvokeStep: ops[j].Metadata.(Span).InvokeStep, ReturnStep: s.Step}
		}
	}
	return ops, nil
}
