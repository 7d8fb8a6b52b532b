package paxostrace_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// equate treats nil and empty slices alike: omitempty writes neither.
var equate = cmpopts.EquateEmpty()

// tb is what walk and roundTrip need of testing.T and rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// walk records a random walk of n steps through the world of s, choosing
// each action with pick(len(actions)).
func walk(t tb, s *world.Setup, n int, pick func(int) int) paxostrace.Trace {
	t.Helper()
	r, err := world.NewRecorder(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Walk(n, pick, nil); err != nil {
		t.Fatal(err)
	}
	return r.Trace("simulate")
}

// faultySetup is the default cluster with every fault on.
func faultySetup() world.Setup {
	s := world.DefaultSetup()
	s.Budget = world.Budget{Drops: 3, Dups: 3, Crashes: 3}
	s.MidStepCrash = true
	s.MaxRound = 3
	return s
}

func roundTrip(t tb, tr paxostrace.Trace) {
	t.Helper()
	var b bytes.Buffer
	if err := paxostrace.Write(&b, tr); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := paxostrace.Read(&b)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if d := cmp.Diff(tr, got, equate); d != "" {
		t.Fatalf("round trip changed the trace (-wrote +read):\n%s", d)
	}
}

// TestRoundTripRandomWalks writes and reads back traces of seeded random
// walks with every fault on, including a violation in the header.
func TestRoundTripRandomWalks(t *testing.T) {
	for seed := uint64(1); seed <= 100; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		s := faultySetup()
		tr := walk(t, &s, 1+rng.IntN(60), rng.IntN)
		if seed%3 == 0 {
			sd := seed
			tr.Header.Seed = &sd
			tr.Header.Violation = &paxostrace.Violation{Invariant: "Agreement", Step: rng.IntN(len(tr.Steps) + 1), Detail: "made up"}
		}
		t.Run("", func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Logf("seed %d", seed)
				}
			}()
			roundTrip(t, tr)
		})
	}
}

// TestRoundTripRapid: any walk rapid draws survives a round trip.
func TestRoundTripRapid(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		a := rapid.IntRange(1, 5).Draw(rt, "acceptors")
		p := rapid.IntRange(1, 3).Draw(rt, "proposers")
		l := rapid.IntRange(1, 2).Draw(rt, "learners")
		c := rapid.IntRange(0, 4).Draw(rt, "clients")
		s := world.NewSetup(a, p, l, c)
		s.Budget = world.Budget{Drops: rapid.IntRange(0, 3).Draw(rt, "drops"),
			Dups: rapid.IntRange(0, 3).Draw(rt, "dups"), Crashes: rapid.IntRange(0, 3).Draw(rt, "crashes")}
		s.MidStepCrash = rapid.Bool().Draw(rt, "midstep")
		s.MaxRound = 3
		n := rapid.IntRange(0, 50).Draw(rt, "steps")
		tr := walk(rt, &s, n, func(k int) int {
			return rapid.IntRange(0, k-1).Draw(rt, "action")
		})
		roundTrip(rt, tr)
	})
}

func TestWriteFile(t *testing.T) {
	s := faultySetup()
	rng := rand.New(rand.NewPCG(7, 0))
	tr := walk(t, &s, 30, rng.IntN)
	path := filepath.Join(t.TempDir(), "t.jsonl")
	if err := paxostrace.WriteFile(path, tr); err != nil {
		t.Fatal(err)
	}
	got, err := paxostrace.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(tr, got, equate); d != "" {
		t.Fatalf("(-wrote +read):\n%s", d)
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Fatalf("WriteFile left %d files behind, want just the trace", len(ents))
	}
	// A trace the reader would reject is not written, and the old file stays.
	bad := tr
	bad.Header.Format = "other"
	if err := paxostrace.WriteFile(path, bad); err == nil {
		t.Fatal("WriteFile wrote a trace with a bad format")
	}
	if _, err := paxostrace.ReadFile(path); err != nil {
		t.Fatalf("old file damaged by a refused write: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Fatalf("refused write left %d files behind", len(ents))
	}
}
