package paxosmodel

import (
	"fmt"

	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Input is the call of an operation: client Client invokes Propose(Value).
type Input struct {
	Client paxos.ClientID
	Value  paxos.Value
}

// Output is what a Propose returned. Pending marks an operation whose reply
// never came: its output is unknown and the model accepts any (Model).
type Output struct {
	Value   paxos.Value
	Pending bool
}

// state is the register: the decided value, None before the first
// linearized proposal.
type state = paxos.Value

// step is the sequential specification of consensus seen by clients
// (spec/Consensus.tla: a value is chosen once and never changes; Paxos Made
// Simple, section 2.1: only a proposed value may be chosen, only one is).
//
//   - The first proposal linearized fixes the register to its value.
//   - A proposal with a known output is legal iff the output is the
//     register's value after that.
//   - A pending proposal (Output.Pending) may return anything: it was
//     never answered. If it is linearized first it still fixes the value,
//     because an unanswered proposal may well be the one chosen; Porcupine
//     may also linearize it last (its return time is infinite), where it
//     changes nothing.
func step(st, in, out any) (bool, any) {
	s := st.(state)
	i := in.(Input)
	o := out.(Output)
	if s == paxos.None {
		s = i.Value
	}
	if o.Pending {
		return true, s
	}
	return o.Value == s, s
}

// Register is single-decree Paxos as its clients see it, for linearize: a
// write-once register where Propose(v) returns the decided value (its
// state a paxos.Value, None until the first proposal is linearized). An
// operation whose reply never came (Output.Pending) is pending.
var Register = linearize.Model{
	Model: registerModel,
	Pending: func(op porcupine.Operation) bool {
		return op.Output.(Output).Pending
	},
	Explain: explain,
}

var registerModel = porcupine.Model{
	Init: func() any { return paxos.None },
	Step: step,
	Hash: func(st any) uint64 {
		// FNV-1a of the value: equal states, equal hashes.
		h := uint64(14695981039346656037)
		for _, b := range []byte(st.(state)) {
			h ^= uint64(b)
			h *= 1099511628211
		}
		return h
	},
	DescribeOperation: func(in, out any) string {
		i, o := in.(Input), out.(Output)
		if o.Pending {
			return fmt.Sprintf("Propose(%q) -> ? (pending)", i.Value)
		}
		return fmt.Sprintf("Propose(%q) -> %q", i.Value, o.Value)
	},
	DescribeState: func(st any) string {
		if st.(state) == paxos.None {
			return "undecided"
		}
		return fmt.Sprintf("decided %q", st.(state))
	},
	DescribeOperationMetadata: func(md any) string {
		if md == nil {
			return ""
		}
		return fmt.Sprint(md)
	},
}

// explain names the most evident reason a history is not linearizable, for
// humans; Porcupine's verdict is the authority.
func explain(history []porcupine.Operation) string {
	told := map[paxos.Value][]int{}
	var vals []paxos.Value
	proposed := map[paxos.Value]int64{} // value -> earliest call
	for _, op := range history {
		in := op.Input.(Input)
		if c, ok := proposed[in.Value]; !ok || op.Call < c {
			proposed[in.Value] = op.Call
		}
	}
	for _, op := range history {
		o := op.Output.(Output)
		if o.Pending {
			continue
		}
		if _, ok := told[o.Value]; !ok {
			vals = append(vals, o.Value)
		}
		told[o.Value] = append(told[o.Value], op.ClientId)
	}
	slices.Sort(vals)
	if len(vals) > 1 {
		var parts []string
		for _, v := range vals {
			parts = append(parts, fmt.Sprintf("%q to clients %v", v, told[v]))
		}
		return "clients were told different values: " + strings.Join(parts, ", ")
	}
	for _, op := range history {
		o := op.Output.(Output)
		if o.Pending {
			continue
		}
		c, ok := proposed[o.Value]
		switch {
		case !ok:
			return fmt.Sprintf("client %d was told %q, which no client proposed", op.ClientId, o.Value)
		case c > op.Return:
			return fmt.Sprintf("client %d was told %q at time %d, before any client proposed it (time %d)", op.ClientId, o.Value, op.Return, c)
		}
	}
	return "no order of the operations explains the replies"
}

// Linearizable checks a history of Register (linearize.Check).
func Linearizable(history []porcupine.Operation, timeout time.Duration) linearize.Result {
	return linearize.Check(&Register, history, timeout)
}

// CheckTrace extracts the client history of t and checks it: nil when it
// is linearizable, an error wrapping linearize.ErrNotLinearizable or
// linearize.ErrUnknown otherwise. It has the shape of a sim.TraceCheck's
// Check, so the simulator can check every run with Porcupine (issue 5,
// item 6).
func CheckTrace(t *paxostrace.Trace, timeout time.Duration) error {
	ops, err := FromTrace(t)
	if err != nil {
		return err
	}
	return linearize.CheckOps(&Register, ops, timeout)
}
