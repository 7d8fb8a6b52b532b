package mpmodel

import (
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
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

// TestExploreFindsBugs: the explorer finds each bug of the catalogue that
// its invariants can see at small bounds, and its counterexample replays
// to the same violation.
func TestExploreFindsBugs(t *testing.T) {
	two := func() mpworld.Setup {
		s := setup(2, 2, 1, 1)
		s.SetNetwork = true
		return s
	}
	retry := func() mpworld.Setup {
		s := setup(1, 1, 2, 2)
		s.SetNetwork = true
		return s
	}
	cases := []struct {
		bug   mp.Bug
		setup func() mpworld.Setup
		inv   string
		short bool
	}{
		{mp.BugSkipPhase1, two, "Agreement", true},
		{mp.BugNoHoleFill, two, "AppliedInOrder", false},
		{mp.BugApplyBeforeChosen, two, "AppliedInOrder", true},
		{mp.BugNoDedup, retry, "AppliedOnce", false},
		{mp.BugPerSlotPromise, two, "Agreement", true},
	}
	for _, tc := range cases {
		t.Run(tc.bug.String(), func(t *testing.T) {
			if testing.Short() && !tc.short {
				t.Skip("a few seconds: not in -short")
			}
			s := tc.setup()
			s.Config.Bugs = mp.Bugs(tc.bug)
			r, err := Explore(&s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Violation == nil || r.Violation.Invariant != tc.inv {
				t.Fatalf("violation %v, want %s", r.Violation, tc.inv)
			}
			// Replay the path on the graph: it must break the same
			// invariant after its last step, and not before.
			st, err := graph.Init(&s)
			if err != nil {
				t.Fatal(err)
			}
			chk := (&Model{s}).NewChecker()
			for i, a := range r.Path {
				if v := chk.Check(&st, i); v != nil {
					t.Fatalf("the path breaks %s already after step %d", v.Invariant, i)
				}
				if _, err := graph.Apply(&s, &st, a); err != nil {
					t.Fatalf("step %d (%s): %v", i+1, a, err)
				}
			}
			if v := chk.Check(&st, len(r.Path)); v == nil || v.Invariant != tc.inv {
				t.Fatalf("the path's last state: %v, want %s", v, tc.inv)
			}
			t.Logf("%s: %d steps, %d states: %s", tc.bug, len(r.Path), r.Distinct, r.Violation.Detail)
		})
	}
}
