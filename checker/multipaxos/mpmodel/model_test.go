package mpmodel

import (
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// setup returns a acceptors and p proposers, with s sessions of per
// commands on one key (pipeline 1), rounds up to r.
func setup(p, s, per int, r uint32) mpworld.Setup {
	c := mp.NewConfig(3, p, 1)
	st := mpworld.NewSetup(3, p, 1, mpworld.Workload(&c, s, per, 1))
	st.MaxRound = r
	return st
}

// TestExploreCorrect: the correct code breaks no invariant, with a crash,
// and its "sometimes" properties are reached (something is chosen, every
// replica learns).
func TestExploreCorrect(t *testing.T) {
	s := setup(1, 1, 2, 1)
	s.Budget.Crashes = 1
	s.MidStepCrash = true
	r, err := Explore(&s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation != nil || !r.Complete || !r.Chosen || !r.AllLearned {
		t.Fatalf("violation %v, complete %v, chosen %v, all learned %v", r.Violation, r.Complete, r.Chosen, r.AllLearned)
	}
	t.Logf("%d states, %d transitions", r.Distinct, r.Transitions)
}
