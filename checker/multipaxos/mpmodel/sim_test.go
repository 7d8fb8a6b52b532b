package mpmodel

import (
	"context"
	"testing"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/sim"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// simSetup is the simulator's cluster: 3 acceptors and 2 proposers (5
// nodes), sessions x per commands over keys keys, every fault.
func simSetup(bugs mp.Bugs, sessions, per, keys int) mpworld.Setup {
	c := mp.NewConfig(3, 2, 2)
	s := mpworld.NewSetup(3, 2, 2, mpworld.Workload(&c, sessions, per, keys))
	s.Config.Bugs = bugs
	s.Budget = graph.Budget{Drops: 6, Dups: 6, Crashes: 2}
	s.MidStepCrash = true
	return s
}

func newSim(t *testing.T, s mpworld.Setup, steps int) *Sim {
	t.Helper()
	sm, err := sim.New(SimOptions{Model: &Model{Setup: s}, Weights: sim.DefaultWeights(), MaxSteps: steps,
		Checks: []TraceCheck{LinearizableCheck(10 * time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// TestSimulateCorrect: seeded runs of the correct code (5 nodes, 64
// commands on 2 keys, every fault) break no invariant and stay
// linearizable.
func TestSimulateCorrect(t *testing.T) {
	runs := 200
	if testing.Short() || raceOn {
		runs = 30
	}
	sm := newSim(t, simSetup(0, 4, 25, 2), 1500)
	sum := sm.RunBatch(context.Background(), sim.Batch[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Trace]{First: 1, Runs: runs})
	if sum.Violations > 0 {
		tr, _ := sum.First.Trace()
		t.Fatalf("seed %d: %v (%d steps; trace header %+v)", sum.First.Seed, sum.First.Violation, sum.First.Steps(), tr.Header.Violation)
	}
	// Every run chooses, and most get every replica to learn; few answer
	// every client, because two proposers with clients of their own duel
	// (neither forwards to the other: see README).
	if sum.Chosen < runs*9/10 || sum.AllLearned < runs/2 {
		t.Fatalf("of %d runs, %d chose something and %d had every replica learn: the runs are too short to check much", runs, sum.Chosen, sum.AllLearned)
	}
	t.Logf("%d runs, %d steps; chosen %d, all learned %d, all returned %d", sum.Runs, sum.Steps, sum.Chosen, sum.AllLearned, sum.AllReturned)
}

// TestSimulateFindsBugs: the simulator finds every bug of the catalogue,
// the stale read through linearizability alone.
func TestSimulateFindsBugs(t *testing.T) {
	for _, b := range mp.Catalogue() {
		t.Run(b.String(), func(t *testing.T) {
			sm := newSim(t, simSetup(mp.Bugs(b), 4, 6, 1), 600)
			sum := sm.RunBatch(context.Background(), sim.Batch[mp.NodeID, mpworld.OpID, mp.Node, mp.Message, mp.Durable, mp.Effects, mptrace.Trace]{First: 1, Runs: 2000, StopAtFirst: true})
			if sum.First == nil {
				t.Fatalf("not found in %d runs", sum.Runs)
			}
			t.Logf("seed %d: %s after %d steps (shrunk later): %s", sum.First.Seed, sum.First.Violation.Invariant, sum.First.Steps(), sum.First.Violation.Detail)
		})
	}
}

// BenchmarkSimulate runs the simulator's default Multi-Paxos cluster (5
// nodes, 4 clients x 25 commands on 2 keys, every fault, 1,500 steps),
// every invariant after every step, without Porcupine; b.N runs.
func BenchmarkSimulate(b *testing.B) {
	sm, err := sim.New(SimOptions{Model: &Model{Setup: simSetup(0, 4, 25, 2)}, Weights: sim.DefaultWeights(), MaxSteps: 1500})
	if err != nil {
		b.Fatal(err)
	}
	steps := 0
	seed := uint64(1)
	for b.Loop() {
		steps += sm.Run(seed).Steps()
		seed++
	}
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
}
