package tlcvalidate

import (
	"context"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// TestConformance (issue 15, item 4): at 3 acceptors, 2 proposers with a
// client each, round 1 (spec ballots 0..1), on the set network, every
// abstract state the explorer reaches in the code is a state TLC reaches
// in spec/Paxos.tla, and every spec state the code never reaches is of a
// documented kind (Why: the code is stricter). The same comparison with
// skip-prepare switched on finds code states that are no spec state.
func TestConformance(t *testing.T) {
	jar := findTLC(t)
	c, err := Conform(context.Background(), jar, conformSetup(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("code %d abstract states, spec %d; code only %d, spec only %d", c.Code, c.Spec, len(c.CodeOnly), len(c.SpecOnly))
	for i, k := range c.CodeOnly {
		if i < 5 {
			t.Errorf("a code state that is no spec state: %s", k)
		}
	}
	for k, n := range c.Kinds {
		t.Logf("%d spec states the code never reaches: %s", n, k)
	}
	for i, k := range c.Unexplained {
		if i < 10 {
			t.Errorf("a spec state the code never reaches, of no documented kind: %s", k)
		}
	}
}

func TestConformanceFindsABug(t *testing.T) {
	jar := findTLC(t)
	c, err := Conform(context.Background(), jar, conformSetup(paxos.Bugs(paxos.BugSkipPrepare)))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CodeOnly) == 0 {
		t.Fatalf("skip-prepare: every one of %d code states is a state of correct Paxos", c.Code)
	}
	t.Logf("skip-prepare: %d of %d code states are no state of correct Paxos, e.g. %s", len(c.CodeOnly), c.Code, c.CodeOnly[0])
}

// conformSetup is TestConformance's cluster: 3 acceptors, 2 proposers with
// a client each, round 1 (spec ballots 0..1), the set network, no crash.
func conformSetup(bugs paxos.Bugs) world.Setup {
	s := world.NewSetup(3, 2, 1, 2)
	s.MaxRound = 1
	s.SetNetwork = true
	s.Budget = world.Budget{}
	s.Config.Bugs = bugs
	return s
}
