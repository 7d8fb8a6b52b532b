package mpmodel

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpinvariant"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// historyTimeout bounds one check of a state's history. The explorer's
// histories hold a handful of operations and take microseconds; a check
// that does not finish is reported, never passed.
const historyTimeout = 10 * time.Second

// memoSize bounds a checker's memo of verdicts on histories.
const memoSize = 1 << 16

// checker is mpinvariant's invariants and, on a state that carries its
// path's client history (graph.Options.History, which Explore switches
// on), that history's linearizability under KV: the explorer's way to
// see a stale read, which no invariant of the replicas can (stateright's
// linearizability tester keeps its history in the state the same way).
type checker struct {
	inv   mpinvariant.Checker
	noLin bool
	ops   []mp.Command
	key   []byte
	hist  []porcupine.Operation
	// memo maps a history (graph.AppendHistory's bytes with the masks)
	// to "" (linearizable) or what is wrong: a function of the history
	// alone, so it holds whatever order the states come in.
	memo map[string]string
}

// Check runs the invariants on st and then, if st has a history with an
// answer in it, checks that history.
func (c *checker) Check(st *State, step int) *graph.Violation {
	if v := c.inv.Check(st, step); v != nil {
		return v
	}
	if c.noLin || st.History == nil || st.Returned.Empty() {
		return nil
	}
	c.key = graph.AppendHistory(fmt.Appendf(c.key[:0], "%x.%x.", st.Invoked, st.Returned), st)
	detail, ok := c.memo[string(c.key)]
	if !ok {
		detail = c.linearize(st)
		if len(c.memo) >= memoSize {
			clear(c.memo)
		}
		c.memo[string(c.key)] = detail
	}
	if detail == "" {
		return nil
	}
	return &graph.Violation{Invariant: Linearizable, Step: step, Detail: detail}
}

// AnyChosen is the invariants' answer.
func (c *checker) AnyChosen() bool { return c.inv.AnyChosen() }

// State is a state of Multi-Paxos's graph.
type State = mpinvariant.State

// linearize checks st's history under KV and says what is wrong with it
// ("": nothing). Times come from the order of calls and answers: a call
// at 2*Before+1, an answer at 2*Rank+2, so that an answer comes before a
// call exactly when it did on the path (graph.Call).
func (c *checker) linearize(st *State) string {
	c.hist = c.hist[:0]
	for k, call := range st.History {
		if !st.Invoked.Has(k) {
			continue
		}
		op := porcupine.Operation{ClientId: int(c.ops[k].Client), Input: c.ops[k],
			Call: 2*int64(call.Before) + 1, Output: Output{Pending: true}, Return: linearize.Return}
		if st.Returned.Has(k) {
			dec := mp.Decoder{B: []byte(call.Out)}
			r := dec.Reply()
			if dec.Err != nil || len(dec.B) != 0 {
				return fmt.Sprintf("operation %d's answer does not decode", k)
			}
			op.Output, op.Return = Output{Reply: r}, 2*int64(call.Rank)+2
		}
		c.hist = append(c.hist, op)
	}
	r := linearize.Check(&KV, c.hist, historyTimeout)
	switch r.Verdict {
	case linearize.Ok:
		return ""
	case linearize.Illegal:
		return r.Detail
	}
	return "linearizability not decided (unknown is no pass): " + r.Detail
}
