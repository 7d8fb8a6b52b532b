package replay

import (
	"github.com/paxoscheck/paxoscheck/checker/invariant"
	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Tracker evaluates every invariant of checker/invariant after every step
// and remembers which ones broke. Unlike invariant.CheckWorld, which stops
// at the first failing invariant, it sees them all, so that a later breach
// of a headline invariant (Agreement) is not hidden behind an earlier,
// structural one (Msg2aInv) that keeps failing.
type Tracker struct {
	// Broken is the first breach of each invariant ever violated, in the
	// order they happened.
	Broken  []paxostrace.Violation
	failing map[string]bool
}

// Observe evaluates every invariant on st, the state after step (0 for
// the initial state), and returns the invariants that fail now but did not
// after the previous step.
func (t *Tracker) Observe(s *world.Setup, st *world.State, step int) []paxostrace.Violation {
	if t.failing == nil {
		t.failing = map[string]bool{}
	}
	a := invariant.FromWorld(s, st)
	var now []paxostrace.Violation
	for _, inv := range invariant.All {
		err := inv.Check(&a)
		if err != nil && !t.failing[inv.Name] {
			v := paxostrace.Violation{Invariant: inv.Name, Step: step, Detail: err.Error()}
			now = append(now, v)
			if t.First(inv.Name) == nil {
				t.Broken = append(t.Broken, v)
			}
		}
		t.failing[inv.Name] = err != nil
	}
	return now
}

// First returns the first breach of the named invariant, or nil.
func (t *Tracker) First(name string) *paxostrace.Violation {
	for i := range t.Broken {
		if t.Broken[i].Invariant == name {
			return &t.Broken[i]
		}
	}
	return nil
}
