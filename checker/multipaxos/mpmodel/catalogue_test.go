package mpmodel

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/sim"
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

func retrying() mpworld.Setup {
	s := setup(1, 1, 2, 2)
	s.SetNetwork = true
	return s
}

// catalogue is where each bug is found: by the explorer at small bounds,
// with the shortest counterexample (BFS; stale-read by the linearizability
// of every state's history), or, where its bounds are too large to search
// here (adopt-lowest-vote: three ballots and two proposers), by the
// simulator, shrunk. Every bug is also
// found by the simulator (TestSimulateFindsBugs) and, where the spec can
// express it, by TLC (spec/expected.tsv).
var catalogue = []struct {
	bug      mp.Bug
	explore  func() mpworld.Setup // nil: by the simulator
	inv      string
	steps    int
	short    bool
	simSeeds int
}{
	{bug: mp.BugSkipPhase1, explore: twoProposers, inv: "Agreement", steps: 8, short: true},
	{bug: mp.BugAdoptLowestVote, inv: "Agreement", simSeeds: 2000},
	{bug: mp.BugNoHoleFill, explore: twoProposers, inv: "AppliedInOrder", steps: 22},
	{bug: mp.BugApplyBeforeChosen, explore: twoProposers, inv: "AppliedInOrder", steps: 6, short: true},
	{bug: mp.BugNoDedup, explore: retrying, inv: "AppliedOnce", steps: 20},
	{bug: mp.BugStaleRead, explore: readAfterWrite, inv: Linearizable, steps: 22},
	{bug: mp.BugPerSlotPromise, explore: twoProposers, inv: "Agreement", steps: 16, short: true},
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
			var tr mptrace.Trace
			if c.explore != nil {
				s := c.explore()
				s.Config.Bugs = mp.Bugs(c.bug)
				r, err := Explore(&s, Options{Workers: 1}) // one worker: the same path every run
				if err != nil {
					t.Fatal(err)
				}
				if r.Violation == nil || r.Violation.Invariant != c.inv || len(r.Path) != c.steps {
					t.Fatalf("violation %v after %d steps, want %s after %d", r.Violation, len(r.Path), c.inv, c.steps)
				}
				m := &Model{Setup: s}
				if tr, err = m.Record(r.Path, "explore", nil, r.Violation); err != nil {
					t.Fatal(err)
				}
			} else {
				sm := newSim(t, simSetup(mp.Bugs(c.bug), 4, 6, 1), 600)
				sum := sm.RunBatch(context.Background(), sim.Batch[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Trace]{First: 1, Runs: c.simSeeds, StopAtFirst: true})
				if sum.First == nil || sum.First.Violation.Invariant != c.inv {
					t.Fatalf("the simulator did not find %s in %d seeds", c.inv, sum.Runs)
				}
				small := sm.Shrink(sum.First)
				var err error
				if tr, err = small.Trace(); err != nil {
					t.Fatal(err)
				}
				tr.Header.Source, tr.Header.Seed = "shrink", &sum.First.Seed
				t.Logf("seed %d, %d steps shrunk to %d", sum.First.Seed, sum.First.Steps(), small.Steps())
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
