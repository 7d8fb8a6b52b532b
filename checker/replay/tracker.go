package replay

import (
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/traces"
)

// Tracker evaluates every invariant after every step and remembers which
// ones broke. Unlike a graph.Checker, which stops at the first failing
// invariant, it sees them all, so that a later breach of a headline
// invariant (Agreement) is not hidden behind an earlier, structural one
// (Msg2aInv) that keeps failing.
type Tracker[I, K ~uint8, N any, M graph.Message[M], D, E, S any] struct {
	P Protocol[I, K, N, M, D, E, S]
	// Broken is the first breach of each invariant ever violated, in the
	// order they happened.
	Broken  []traces.Violation
	failing map[string]bool
}

// Observe evaluates every invariant on st, the state after step (0 for
// the initial state), and returns the invariants that fail now but did not
// after the previous step.
func (t *Tracker[I, K, N, M, D, E, S]) Observe(st *graph.State[I, N, M, D], step int) []traces.Violation {
	if t.failing == nil {
		t.failing = map[string]bool{}
	}
	var now []traces.Violation
	t.P.EachInvariant(st, func(name string, err error) {
		if err != nil && !t.failing[name] {
			v := traces.Violation{Invariant: name, Step: step, Detail: err.Error()}
			now = append(now, v)
			if t.First(name) == nil {
				t.Broken = append(t.Broken, v)
			}
		}
		t.failing[name] = err != nil
	})
	return now
}

// First returns the first breach of the named invariant, or nil.
func (t *Tracker[I, K, N, M, D, E, S]) First(name string) *traces.Violation {
	for i := range t.Broken {
		if t.Broken[i].Invariant == name {
			return &t.Broken[i]
		}
	}
	return nil
}
