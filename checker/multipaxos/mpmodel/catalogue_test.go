package mpmodel

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

var update = flag.Bool("update", false, "rewrite traces/counterexamples/multipaxos/*.jsonl from fresh searches")

const counterexampleDir = "../../../traces/counterexamples/multipaxos"

// twoProposers: 3 acceptors, 2 proposers with one command each, round 1,
// the set network. retrying: one proposer with two commands that may
// retry once.
func twoProposers() mpworld.Setup {
	s := setup(2, 2, 1, 1)
	s.SetNetwork = true
	return s
}

// readAfterWrite: proposer 0's session puts and then gets, proposer 1's
// puts (the workload "put,get;put"), round 1, the set network.
func readAfterWrite() mpworld.Setup {
	c := mp.NewConfig(3, 2, 1)
	ss, err := mpworld.ParseWorkload(&c, "put,get;put", 1)
	if err != nil {
		panic(err)
	}
	s := mpworld.NewSetup(3, 2, 1, ss)
	s.MaxRound = 1
	s.SetNetwork = true
	return s
}

// threeBallots: twoProposers where the first proposer may start rounds 1
// and 2 and the second round 1: three ballots, as adopt-lowest-vote needs.
func threeBallots() mpworld.Setup {
	s := twoProposers()
	s.Rounds = []uint32{2, 1}
	return s
}

// swarmOptions is the swarm that hunts adopt-lowest-vote at threeBallots,
// whose graph is too large to search whole here: depth-first searches in
// seeded orders from seed 1, at most 1,000 states and 26 steps deep each
// (explore.Options.Swarm).
var swarmOptions = Options{DFS: true, Swarm: 2000, Order: 1, MaxStates: 1000, MaxDepth: 26}

// acceptorCrash: twoProposers where one acceptor may crash (also after
// its write and before it sends) and restart, as the persistence bugs
// need.
func acceptorCrash() mpworld.Setup {
	s := twoProposers()
	s.Budget.Crashes = 1
	s.MidStepCrash = true
	s.Crashable = s.Config.Acceptors
	return s
}

func retrying() mpworld.Setup {
	s := setup(1, 1, 2, 2)
	s.SetNetwork = true
	return s
}

// catalogue is where the explorer finds each bug: at small bounds, with
// the shortest counterexample (BFS; stale-read by the linearizability of
// every state's history), or, where the bounds are too large to search
// whole here (adopt-lowest-vote: three ballots and two proposers), by a
// swarm of bounded depth-first searches (swarmOptions), whose
// counterexample is not the shortest. Every bug is also found by the
// simulator (TestSimulateFindsBugs) and, where the spec can express it,
// by TLC (spec/expected.tsv).
var catalogue = []struct {
	bug     mp.Bug
	explore func() mpworld.Setup
	swarm   bool
	inv     string
	steps   int
	short   bool
}{
	{bug: mp.BugSkipPhase1, explore: twoProposers, inv: "Agreement", steps: 8, short: true},
	{bug: mp.BugAdoptLowestVote, explore: threeBallots, swarm: true, inv: "Agreement", steps: 26},
	{bug: mp.BugNoHoleFill, explore: twoProposers, inv: "AppliedInOrder", steps: 22},
	{bug: mp.BugApplyBeforeChosen, explore: twoProposers, inv: "AppliedInOrder", steps: 6, short: true},
	{bug: mp.BugNoDedup, explore: retrying, inv: "AppliedOnce", steps: 20},
	{bug: mp.BugStaleRead, explore: readAfterWrite, inv: Linearizable, steps: 22},
	{bug: mp.BugPerSlotPromise, explore: twoProposers, inv: "Agreement", steps: 16, short: true},
	{bug: mp.BugPromiseNotPersisted, explore: acceptorCrash, inv: "Agreement", steps: 18},
	{bug: mp.BugAcceptNotPersisted, explore: acceptorCrash, inv: "Agreement", steps: 17},
}

// swarmStates is what a swarm's searches stored, together.
func swarmStates(r *Result) int64 {
	var n int64
	for _, ss := range r.Swarm {
		n += ss.Distinct
	}
	return n
}

// TestCatalogue finds every bug where the catalogue says, checks that its
// counterexample is the checked-in trace (-update rewrites them), and that
// the trace, read back, replays on the code to the same violation.
func TestCatalogue(t *testing.T) {
	if len(catalogue) != len(mp.Catalogue()) {
		t.Fatalf("the catalogue test covers %d bugs of %d", len(catalogue), len(mp.Catalogue()))
	}
	for _, c := range catalogue {
		t.Run(c.bug.String(), func(t *testing.T) {
			if (testing.Short() || raceOn) && !c.short {
				t.Skip("seconds: not in -short, nor under the race detector")
			}
			s := c.explore()
			s.Config.Bugs = mp.Bugs(c.bug)
			opt := Options{Workers: 1} // one worker: the same path every run
			if c.swarm {
				opt = swarmOptions
			}
			r, err := Explore(&s, opt)
			if err != nil {
				t.Fatal(err)
			}
			if r.Violation == nil || r.Violation.Invariant != c.inv || len(r.Path) != c.steps {
				t.Fatalf("violation %v after %d steps, want %s after %d", r.Violation, len(r.Path), c.inv, c.steps)
			}
			if c.swarm {
				t.Logf("found by search %d of the swarm (seed %d); %d states in all", len(r.Swarm), r.Swarm[len(r.Swarm)-1].Order, swarmStates(r))
			}
			m := &Model{Setup: s}
			tr, err := m.Record(r.Path, "explore", nil, r.Violation)
			if err != nil {
				t.Fatal(err)
			}
			if v := tr.Header.Violation; v == nil || v.Step != len(tr.Steps) {
				t.Errorf("the header's violation %+v is not at the trace's last step, %d", v, len(tr.Steps))
			}
			var buf bytes.Buffer
			if err := mptrace.Write(&buf, tr); err != nil {
				t.Fatalf("writing the counterexample: %v", err)
			}
			path := filepath.Join(counterexampleDir, c.bug.String()+".jsonl")
			if *update {
				if err := os.MkdirAll(counterexampleDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := mptrace.WriteFile(path, tr); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -run TestCatalogue -update writes it)", err)
			}
			if !bytes.Equal(want, buf.Bytes()) {
				t.Fatalf("the counterexample differs from %s (go test -run TestCatalogue -update rewrites it)", path)
			}
			back, err := mptrace.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := replayTrace(t, &back); got != c.inv {
				t.Fatalf("%s replays to %q, want %s", path, got, c.inv)
			}
		})
	}
}

// replayTrace runs a trace's steps on the code from its header's setup
// and returns the first invariant broken (or Linearizable, if the client
// history is not), "" if none.
func replayTrace(t *testing.T, tr *mptrace.Trace) string {
	t.Helper()
	s, err := mpworld.SetupFromHeader(&tr.Header)
	if err != nil {
		t.Fatal(err)
	}
	st, err := graph.Init(&s)
	if err != nil {
		t.Fatal(err)
	}
	chk := (&Model{Setup: s}).NewChecker()
	for i := range tr.Steps {
		a, err := mpworld.ActionOf(&tr.Steps[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := graph.Apply(&s, &st, a); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
		if v := chk.Check(&st, i+1); v != nil {
			return v.Invariant
		}
	}
	if err := CheckTrace(tr, 10*time.Second); errors.Is(err, linearize.ErrNotLinearizable) {
		return Linearizable
	} else if err != nil {
		t.Fatal(err)
	}
	return ""
}
