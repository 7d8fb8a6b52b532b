package mpvalidate

import (
	"context"
	"os"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/tlc/tlctest"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// conformSetup is 3 acceptors and one proposer of up to rounds rounds
// (spec ballots 0..rounds-1) with one client of one command, pipeline 1,
// on the set network, with no crash.
func conformSetup(rounds uint32, bugs mp.Bugs) mpworld.Setup {
	c := mp.NewConfig(3, 1, 1)
	s := mpworld.NewSetup(3, 1, 1, mpworld.Workload(&c, 1, 1, 1))
	s.MaxRound = rounds
	s.SetNetwork = true
	s.Config.Bugs = bugs
	return s
}

// conform runs Conform and reports its figures; every code state must
// be a spec state, and every spec state the code never reaches of a
// documented kind.
func conform(t *testing.T, s mpworld.Setup, maxSlot int) {
	t.Helper()
	c, err := Conform(context.Background(), tlctest.Jar(t), s, ConformOptions{MaxSlot: maxSlot})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("code %d abstract states, spec %d (up to acceptor renaming); code only %d, spec only %d", c.Code, c.Spec, len(c.CodeOnly), c.SpecOnly)
	for k, n := range c.Kinds {
		t.Logf("%d spec states the code never reaches: %s", n, k)
	}
	if c.Spec == c.SpecOnly {
		t.Errorf("the code reaches none of the spec's states")
	}
	for i, k := range c.CodeOnly {
		if i < 5 {
			t.Errorf("a code state that is no spec state: %s", k)
		}
	}
	for i, k := range c.Unexplained {
		if i < 10 {
			t.Errorf("a spec state the code never reaches, of no documented kind: %s", k)
		}
	}
}

// TestConformance (issue 15, item 4, for Multi-Paxos): at one ballot
// and one slot, every abstract state the explorer reaches in the code is
// a state TLC reaches in spec/MultiPaxos.tla, and the spec states the
// code never reaches are of documented kinds.
func TestConformance(t *testing.T) {
	conform(t, conformSetup(1, 0), 1)
}

// TestConformanceFindsBugs: the same comparison with a bug of the
// catalogue switched on finds code states that are no spec state: a 2a
// with no phase 1, a replica that applies what is not chosen.
func TestConformanceFindsBugs(t *testing.T) {
	jar := tlctest.Jar(t)
	for _, b := range []mp.Bug{mp.BugSkipPhase1, mp.BugApplyBeforeChosen} {
		t.Run(b.String(), func(t *testing.T) {
			c, err := Conform(context.Background(), jar, conformSetup(1, mp.Bugs(b)), ConformOptions{MaxSlot: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(c.CodeOnly) == 0 {
				t.Fatalf("every one of %d code states is a state of correct Multi-Paxos", c.Code)
			}
			t.Logf("%d of %d code states are no state of correct Multi-Paxos, e.g. %s", len(c.CodeOnly), c.Code, c.CodeOnly[0])
		})
	}
}

// TestConformanceMCMultiPaxosBounds is TestConformance at MCMultiPaxos's
// bounds (3 acceptors, 1 command, 1 replica, 2 slots, ballots 0..1: one
// proposer of two rounds): about 3 minutes, so only with
// PAXOSCHECK_LONG=1 (the GitHub workflow sets it).
func TestConformanceMCMultiPaxosBounds(t *testing.T) {
	if os.Getenv("PAXOSCHECK_LONG") != "1" || raceOn {
		t.Skip("about 3 minutes (without the race detector): set PAXOSCHECK_LONG=1")
	}
	conform(t, conformSetup(2, 0), 2)
}
