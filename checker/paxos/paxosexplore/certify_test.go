package paxosexplore

import (
	"slices"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// TestCertifierRefutes: code that reads what a hint calls dead refutes the
// hint, the search runs again without it, and the verdict and the
// counterexample's length are those of the search without the dead-state
// reduction. The learner-counts-duplicates bug reads the duplicate counts
// of a learner that has learned (hintVotes calls its whole vote record
// dead) and changes state on a 2b after learning (hintDead2b).
func TestCertifierRefutes(t *testing.T) {
	for _, set := range []bool{true, false} {
		s := world.NewSetup(3, 1, 1, 1)
		s.MaxRound, s.SetNetwork = 1, set
		if !set {
			s.Budget.Dups = 1
		}
		s.Config.Bugs = paxos.Bugs(paxos.BugLearnerCountsDuplicates)
		r, err := Run(s, Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		full, err := Run(s, Options{Workers: 1, NoDead: true, NoSymmetry: true})
		if err != nil {
			t.Fatal(err)
		}
		var hints []string
		for _, x := range r.Refuted {
			hints = append(hints, x.Hint)
			if x.Detail == "" {
				t.Errorf("refutation of %s without detail", x.Hint)
			}
		}
		if !slices.Contains(hints, "dead-2b") || r.Restarts != len(r.Refuted) {
			t.Errorf("set %v: refuted %v (%d restarts), want dead-2b among them", set, hints, r.Restarts)
		}
		for _, h := range r.Hints {
			if slices.Contains(hints, h) {
				t.Errorf("set %v: hint %s refuted but still in force", set, h)
			}
		}
		if r.Violation == nil || full.Violation == nil || len(r.Path) != len(full.Path) {
			t.Fatalf("set %v: violation %v after %d steps, without reductions %v after %d", set, r.Violation, len(r.Path), full.Violation, len(full.Path))
		}
	}
}

// TestCertifierQuietOnCorrectCode: the correct protocol refutes no hint,
// in either network, with crashes of any node in the middle of steps, and
// the certifier stepped nodes.
func TestCertifierQuietOnCorrectCode(t *testing.T) {
	if raceOn {
		t.Skip("300k states: too slow under the race detector")
	}
	for _, set := range []bool{true, false} {
		s := world.NewSetup(3, 2, 1, 2)
		s.MaxRound, s.SetNetwork, s.MidStepCrash = 1, set, true
		s.Budget.Crashes = 1
		r, err := Run(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Refuted) > 0 || r.Err() != nil || r.Certified == 0 || !r.Symmetry || !r.Dead {
			t.Fatalf("set %v: refuted %v, verdict %v, %d steps certified, hints %s", set, r.Refuted, r.Err(), r.Certified, strings.Join(r.Hints, ","))
		}
	}
}

// TestLooksDifferTimers: the round bound tells two merged states of one
// class apart only where their node takes its timer's timeout. Two
// proposers that heard a decided value, whose timers were left armed (code
// that forgets to cancel them), differ in Seen and so in their next round,
// but neither takes a timeout: they look alike. Two that take it do not.
func TestLooksDifferTimers(t *testing.T) {
	s := world.NewSetup(3, 2, 1, 2)
	s.MaxRound = 1
	ce, p := certifierAt(t, &s, s.Config.Proposers[1])
	p.Value, p.Clients = "y", 2
	low, high := p, p
	high.Seen = paxos.Ballot{Round: 1}
	if got := ce.looksDiffer(&local{n: low, t: true}, &local{n: high, t: true}); got == "" {
		t.Fatal("proposers that take their timeouts, one within the round bound and one not, look alike")
	}
	low.Decided, high.Decided = "x", "x"
	if got := ce.looksDiffer(&local{n: low, t: true}, &local{n: high, t: true}); got != "" {
		t.Fatalf("decided proposers whose timers are armed but refuse the timeout look different: %s", got)
	}
}

// TestSymmetryRefusedForIndexedAcceptorState: an acceptor that holds state
// indexed by acceptor (only code unlike the correct acceptor does) makes
// the certifier refute the acceptor symmetry, which would merge states
// that are not images of each other.
func TestSymmetryRefusedForIndexedAcceptorState(t *testing.T) {
	s := world.NewSetup(3, 2, 1, 2)
	ce, a := certifierAt(t, &s, s.Config.Acceptors[0])
	ce.checkCanonSymmetry(&local{n: a})
	if ce.refuted != nil {
		t.Fatalf("a plain acceptor refutes the symmetry: %+v", ce.refuted)
	}
	a.Promised = 1 << 1
	ce.checkCanonSymmetry(&local{n: a})
	if ce.refuted == nil || hints(ce.refuted.Mask) != hintSymmetry {
		t.Fatalf("an acceptor holding a promise bitmask leaves the symmetry standing: %+v", ce.refuted)
	}
}

// certifierAt returns a certifier of s with every hint and the initial
// state of node id, for tests of single checks.
func certifierAt(t *testing.T, s *world.Setup, id paxos.NodeID) (*certifier, paxos.Node) {
	t.Helper()
	c, err := newCodec(s)
	if err != nil {
		t.Fatal(err)
	}
	n, err := paxos.NewNode(&s.Config, id)
	if err != nil {
		t.Fatal(err)
	}
	return newCertifier(s, c, allHints), n
}
