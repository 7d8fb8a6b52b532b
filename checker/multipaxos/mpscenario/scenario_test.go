package mpscenario

import (
	"testing"

	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// TestScenarios: every scenario runs, its trace is valid, and it shows
// what its summary says.
func TestScenarios(t *testing.T) {
	for _, sc := range All {
		t.Run(sc.Name, func(t *testing.T) {
			tr, err := sc.Run()
			if err != nil {
				t.Fatal(err)
			}
			if err := mptrace.Validate(&tr); err != nil {
				t.Fatal(err)
			}
			v := tr.Header.Violation
			if sc.Name == "stale-read" {
				if v == nil || v.Invariant != "Linearizability" {
					t.Fatalf("violation %+v, want a history that is not linearizable", v)
				}
				return
			}
			if v != nil {
				t.Fatalf("violation %+v", v)
			}
			var sent1a, replies int
			for _, s := range tr.Steps {
				replies += len(s.Replies)
				for _, m := range s.Sent {
					if m.Type.String() == "1a" {
						sent1a++
					}
				}
			}
			want := len(tr.Header.Ops)
			if sc.Name == "leader-crash-hole" {
				want = 1 // the crashed leader's clients lost their connection
			}
			if replies != want {
				t.Fatalf("%d replies to %d operations, want %d", replies, len(tr.Header.Ops), want)
			}
			switch sc.Name {
			case "steady-state":
				if sent1a != 3 {
					t.Fatalf("%d 1a sent, want one phase 1 (3)", sent1a)
				}
			case "leader-crash-hole", "dueling-leaders":
				noop := false
				for _, s := range tr.Steps {
					for _, e := range s.Learned {
						noop = noop || e.Cmd.Op.String() == "noop"
					}
				}
				if want := sc.Name == "leader-crash-hole"; noop != want {
					t.Fatalf("a no-op chosen: %v, want %v", noop, want)
				}
			}
		})
	}
}
