package paxosexplore

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

var update = flag.Bool("update", false, "rewrite traces/counterexamples/*.jsonl from fresh searches")

const counterexampleDir = "../../../traces/counterexamples"

// bound is a cluster shape and its bounds.
type bound struct {
	acceptors, proposers, clients int
	maxRound                      uint32
	budget                        world.Budget
}

func (b bound) setup(bugs paxos.Bugs) world.Setup {
	s := world.NewSetup(b.acceptors, b.proposers, 1, b.clients)
	s.Config.Bugs = bugs
	s.MaxRound = b.maxRound
	s.Budget = b.budget
	// Only acceptors crash: their durable state is what the persistence
	// bugs get wrong.
	s.Crashable = slicesClone(s.Config.Acceptors)
	return s
}

func slicesClone(x []paxos.NodeID) []paxos.NodeID { return append([]paxos.NodeID(nil), x...) }

// catalogue is the smallest bounds at which each bug shows, and the next
// smaller bounds (one bound lowered) at which the explorer proves it does
// not. One learner always; only acceptors crash. Steps is the length of the
// shortest counterexample.
var catalogue = []struct {
	bug       paxos.Bug
	at        bound
	notAt     []bound
	invariant string
	steps     int
}{
	{paxos.BugSkipPrepare, bound{3, 2, 2, 1, world.Budget{}}, []bound{{3, 1, 1, 1, world.Budget{}}}, "Msg2aInv", 2},
	{paxos.BugIgnorePromisedValue, bound{3, 2, 2, 1, world.Budget{}}, []bound{{3, 1, 1, 1, world.Budget{}}}, "Msg2aInv", 13},
	{paxos.BugPickLowestPromisedValue, bound{3, 3, 3, 1, world.Budget{}}, []bound{{3, 2, 2, 1, world.Budget{}}}, "Msg2aInv", 20},
	{paxos.BugAcceptBelowPromise, bound{3, 2, 2, 1, world.Budget{}}, []bound{{3, 1, 1, 1, world.Budget{}}}, "PromiseKept", 10},
	{paxos.BugPromiseNotPersisted, bound{3, 2, 2, 1, world.Budget{Crashes: 1}}, []bound{{3, 2, 2, 1, world.Budget{}}}, "Msg1bInv", 4},
	{paxos.BugAcceptNotPersisted, bound{3, 2, 2, 1, world.Budget{Crashes: 1}}, []bound{{3, 2, 2, 1, world.Budget{}}}, "AccInv", 8},
	{paxos.BugMinorityQuorum, bound{3, 1, 1, 1, world.Budget{}}, nil, "LearnedChosen", 6},
	{paxos.BugLearnerCountsDuplicates, bound{3, 1, 1, 1, world.Budget{Dups: 1}}, []bound{{3, 1, 1, 1, world.Budget{}}}, "LearnedChosen", 10},
}

// TestCatalogue finds every catalogue bug at its bounds, with the shortest
// counterexample, and
// shows that the bounds are the smallest: at the smaller ones the search
// is complete and clean. The counterexample must equal the checked-in
// trace (go test -run TestCatalogue -update rewrites them); it is searched
// without the dead-state reduction, so that it does not depend on it, and
// the search with it must find a counterexample as short.
func TestCatalogue(t *testing.T) {
	for _, c := range catalogue {
		t.Run(c.bug.String(), func(t *testing.T) {
			if raceOn && c.bug == paxos.BugPickLowestPromisedValue {
				t.Skip("a million states: too slow under the race detector")
			}
			s := c.at.setup(paxos.Bugs(c.bug))
			r, err := Run(s, Options{Workers: 1, NoDead: true})
			if err != nil {
				t.Fatal(err)
			}
			rd, err := Run(s, Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if rd.Violation == nil || r.Violation == nil || rd.Violation.Invariant != r.Violation.Invariant || len(rd.Path) != len(r.Path) {
				t.Fatalf("with the dead-state reduction: %v after %d steps; without: %v after %d", rd.Violation, len(rd.Path), r.Violation, len(r.Path))
			}
			if !errors.Is(r.Err(), ErrViolation) {
				t.Fatalf("bounds %+v: verdict %v after %d states, want a violation", c.at, r.Err(), r.Distinct)
			}
			t.Logf("bounds %+v: %s after %d steps, %d states", c.at, r.Violation.Invariant, len(r.Path), r.Distinct)
			if r.Violation.Invariant != c.invariant || len(r.Path) != c.steps {
				t.Errorf("found %s after %d steps, want %s after %d", r.Violation.Invariant, len(r.Path), c.invariant, c.steps)
			}
			pinTrace(t, s, r, filepath.Join(counterexampleDir, c.bug.String()+".jsonl"))
			for _, b := range c.notAt {
				if raceOn {
					break
				}
				r, err := Run(b.setup(paxos.Bugs(c.bug)), Options{Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Err(); err != nil && !errors.Is(err, ErrVacuous) || !r.Complete {
					t.Errorf("smaller bounds %+v: verdict %v (complete %v), want no violation", b, err, r.Complete)
				}
			}
		})
	}
}

// TestCounterexamplesReplay replays every checked-in counterexample (via
// world.ActionOf and State.Apply) and gets the violation its header names,
// at the step it names.
func TestCounterexamplesReplay(t *testing.T) {
	for _, c := range catalogue {
		t.Run(c.bug.String(), func(t *testing.T) {
			tr, err := paxostrace.ReadFile(filepath.Join(counterexampleDir, c.bug.String()+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			h := tr.Header.Violation
			if h == nil {
				t.Fatal("header names no violation")
			}
			v, err := Replay(&tr)
			if err != nil {
				t.Fatal(err)
			}
			if v == nil || v.Invariant != h.Invariant || v.Step != h.Step {
				t.Fatalf("replay gives %v, header says %s at step %d", v, h.Invariant, h.Step)
			}
			// Without the bug the same steps break nothing: the bug, not
			// the schedule, is at fault.
			tr.Header.Bugs = nil
			if v, err := Replay(&tr); err == nil && v != nil {
				t.Errorf("without the bug the trace still violates %s", v.Invariant)
			}
		})
	}
}

// TestChosenInvariants: --invariants is honoured. At skip-prepare's
// bounds, checking Agreement alone finds the run on to two chosen values
// (the walkthrough's, pinned as agreement/skip-prepare.jsonl), longer than
// the 2-step Msg2aInv breach that every invariant finds first; checking
// TypeOK alone finds nothing, so the other invariants were not run.
func TestChosenInvariants(t *testing.T) {
	s := catalogue[0].at.setup(paxos.Bugs(paxos.BugSkipPrepare))
	agreement, err := invariant.Select([]string{"Agreement"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(s, Options{Workers: 1, NoDead: true, Invariants: agreement})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation == nil || r.Violation.Invariant != "Agreement" || len(r.Path) <= catalogue[0].steps {
		t.Fatalf("Agreement alone: %v after %d steps, want Agreement after more than %d", r.Violation, len(r.Path), catalogue[0].steps)
	}
	pinTrace(t, s, r, filepath.Join(counterexampleDir, "agreement", "skip-prepare.jsonl"))
	typeOK, err := invariant.Select([]string{"TypeOK"})
	if err != nil {
		t.Fatal(err)
	}
	r, err = Run(s, Options{Workers: 1, Invariants: typeOK})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation != nil || !r.Complete {
		t.Fatalf("TypeOK alone: %v (complete %v), want a clean, complete search", r.Violation, r.Complete)
	}
	if _, err := invariant.Select([]string{"Agreement", "NoSuch"}); err == nil || !strings.Contains(err.Error(), `unknown invariant "NoSuch"`) {
		t.Errorf("Select of an unknown name: %v", err)
	}
}

// pinTrace checks that r's counterexample trace is the checked-in one at
// path (written there with -update).
func pinTrace(t *testing.T, s world.Setup, r *Result, path string) {
	t.Helper()
	tr, err := Trace(s, r)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := paxostrace.Write(&buf, tr); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./checker/paxos/paxosexplore -run 'TestCatalogue|TestChosenInvariants' -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("counterexample differs from %s (rerun with -update if the change is intended)", path)
	}
}
