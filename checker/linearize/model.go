package linearize

import (
	"fmt"

	"github.com/anishathalye/porcupine"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
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

// Model is the Porcupine model of single-decree Paxos as its clients see
// it: a write-once register where Propose(v) returns the decided value. Its
// state is a paxos.Value (None until the first proposal is linearized).
var Model = porcupine.Model{
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
