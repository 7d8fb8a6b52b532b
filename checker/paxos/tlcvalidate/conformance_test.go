package tlcvalidate

import (
	"context"
	"os"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/tlc/tlctest"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// TestConformance (issue 15, item 4): at 3 acceptors, 2 proposers with a
// client each, round 1 (spec ballots 0..1), on the set network, every
// abstract state the explorer reaches in the code is a state TLC reaches
// in spec/Paxos.tla, and every spec state the code never reaches is of a
// documented kind (Why: the code is stricter). The same comparison with
// skip-prepare switched on finds code states that are no spec state.
func TestConformance(t *testing.T) {
	jar := tlctest.Jar(t)
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
	jar := tlctest.Jar(t)
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

// TestConformanceMCPaxosBounds is TestConformance at MCPaxos's bounds (3
// acceptors, 2 values, ballots 0..2: 3 proposers of round 1, two with a
// client): about 3 minutes, so only with PAXOSCHECK_LONG=1. The third
// proposer has no client and never starts its ballot, so the spec states
// that use ballot 2 are all of the first kind.
func TestConformanceMCPaxosBounds(t *testing.T) {
	if os.Getenv("PAXOSCHECK_LONG") != "1" || raceOn {
		t.Skip("about 3 minutes (without the race detector): set PAXOSCHECK_LONG=1")
	}
	jar := tlctest.Jar(t)
	s := conformSetup(0)
	s.Config = paxos.NewConfig(3, 3, 1)
	s.Clients = world.NewSetup(3, 3, 1, 2).Clients
	c, err := Conform(context.Background(), jar, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("code %d abstract states, spec %d; code only %d, spec only %d: %v", c.Code, c.Spec, len(c.CodeOnly), len(c.SpecOnly), c.Kinds)
	if len(c.CodeOnly) > 0 || len(c.Unexplained) > 0 {
		t.Errorf("%d code states are no spec state (e.g. %v); %d spec-only states of no documented kind (e.g. %v)", len(c.CodeOnly), first(c.CodeOnly), len(c.Unexplained), first(c.Unexplained))
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return s[0]
}
