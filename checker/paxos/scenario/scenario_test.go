package scenario

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// replay re-applies t to a fresh world built from its header only, as
// `paxoscheck replay` does, checks the invariants after every step, and
// returns the final state and the first violation.
func replay(t *testing.T, tr *paxostrace.Trace) (world.Setup, world.State, *invariant.Violation) {
	t.Helper()
	s, err := world.SetupFromHeader(&tr.Header)
	if err != nil {
		t.Fatal(err)
	}
	st, err := world.Init(&s)
	if err != nil {
		t.Fatal(err)
	}
	var first *invariant.Violation
	for i := range tr.Steps {
		a, err := world.ActionOf(&tr.Steps[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Apply(&s, a); err != nil {
			t.Fatalf("step %d: %v", tr.Steps[i].Step, err)
		}
		if v := invariant.CheckWorld(&s, &st, tr.Steps[i].Step); v != nil && first == nil {
			first = v
		}
	}
	return s, st, first
}

// chosen is the spec's Chosen: values a majority of acceptors voted for in
// one ballot, read from every 2b ever sent.
func chosen(s *world.Setup, st *world.State) []paxos.Value {
	votes := map[paxos.Ballot]map[paxos.Value]map[paxos.NodeID]bool{}
	for _, m := range st.Sent {
		if m.Type != paxos.Msg2b {
			continue
		}
		if votes[m.Bal] == nil {
			votes[m.Bal] = map[paxos.Value]map[paxos.NodeID]bool{}
		}
		if votes[m.Bal][m.Val] == nil {
			votes[m.Bal][m.Val] = map[paxos.NodeID]bool{}
		}
		votes[m.Bal][m.Val][m.From] = true
	}
	var out []paxos.Value
	for _, byVal := range votes {
		for v, accs := range byVal {
			if len(accs) >= s.Config.Quorum() && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestScenarios runs every scenario, replays its trace from the header
// alone, and checks what it must show: the values chosen and learned, and
// that only the unsafe scenario breaks an invariant, the one it names.
func TestScenarios(t *testing.T) {
	tests := []struct {
		name      string
		chosen    []paxos.Value
		learned   paxos.Value
		violation string // first invariant broken, "" for none
		atEvent   string // the step's action where it breaks
	}{
		{name: "normal", chosen: []paxos.Value{"x"}, learned: "x"},
		{name: "proposer-crash-after-phase1", chosen: []paxos.Value{"y"}, learned: "y"},
		// The minority-accepted x is chosen, not proposer 4's own y.
		{name: "proposer-crash-after-phase2a", chosen: []paxos.Value{"x"}, learned: "x"},
		{name: "dueling-proposers", chosen: []paxos.Value{"x"}, learned: "x"},
		{name: "acceptor-crash-restart", chosen: []paxos.Value{"y"}, learned: "y"},
		{name: "promise-not-persisted", chosen: []paxos.Value{"x", "y"}, learned: "x",
			violation: "Msg1bInv", atEvent: paxostrace.EvCrash},
		{name: "skip-prepare", chosen: []paxos.Value{"x", "y"}, learned: "x",
			violation: "Msg2aInv", atEvent: paxostrace.EvPhase1a},
	}
	if len(tests) != len(All) {
		t.Fatalf("%d cases for %d scenarios: add the new scenario here", len(tests), len(All))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := Get(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := sc.Run()
			if err != nil {
				t.Fatal(err)
			}
			if err := paxostrace.Validate(&tr); err != nil {
				t.Fatalf("trace does not validate: %v", err)
			}
			s, st, v := replay(t, &tr)
			if got := chosen(&s, &st); !slices.Equal(got, tc.chosen) {
				t.Errorf("chosen %q, want %q", got, tc.chosen)
			}
			if got := st.Node(s.Config.Learners[0]).Learned; got != tc.learned {
				t.Errorf("learned %q, want %q", got, tc.learned)
			}
			if sc.Unsafe != (tc.violation != "") {
				t.Errorf("Unsafe = %v, but the expected violation is %q", sc.Unsafe, tc.violation)
			}
			if tc.violation == "" {
				if v != nil {
					t.Fatalf("unexpected violation: %v", v)
				}
				if tr.Header.Violation != nil {
					t.Fatalf("header records a violation %+v", *tr.Header.Violation)
				}
				return
			}
			if v == nil {
				t.Fatalf("no invariant violated, want %s", tc.violation)
			}
			if v.Invariant != tc.violation {
				t.Errorf("violated %s (%s), want %s", v.Invariant, v.Detail, tc.violation)
			}
			if got := tr.Steps[v.Step-1].Action; got != tc.atEvent {
				t.Errorf("violation at a %s step, want %s", got, tc.atEvent)
			}
			want := &paxostrace.Violation{Invariant: v.Invariant, Step: v.Step, Detail: v.Detail}
			if d := cmp.Diff(want, tr.Header.Violation); d != "" {
				t.Errorf("header violation differs from replay (-replay +header):\n%s", d)
			}
		})
	}
}

// TestCrashAfterPhase2aAdoptsValue checks the point of that scenario: the
// new proposer's 2a carries the minority-accepted value, not its own.
func TestCrashAfterPhase2aAdoptsValue(t *testing.T) {
	sc, err := Get("proposer-crash-after-phase2a")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := sc.Run()
	if err != nil {
		t.Fatal(err)
	}
	s := sc.Setup()
	p4 := s.Config.Proposers[1]
	own := s.Clients[1].Value
	var sent []paxos.Value
	for _, st := range tr.Steps {
		for _, m := range st.Sent {
			if m.Type == paxos.Msg2a && m.From == p4 {
				sent = append(sent, m.Val)
			}
		}
	}
	if len(sent) == 0 {
		t.Fatal("proposer 4 sent no 2a")
	}
	for _, v := range sent {
		if v != "x" || v == own {
			t.Fatalf("proposer 4 proposed %q, want the minority-accepted x (its own is %q)", v, own)
		}
	}
}

// TestDeterministic runs each scenario twice: the traces must be equal.
func TestDeterministic(t *testing.T) {
	for _, sc := range All {
		a, err := sc.Run()
		if err != nil {
			t.Fatal(err)
		}
		b, err := sc.Run()
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(a, b); d != "" {
			t.Errorf("%s: two runs differ:\n%s", sc.Name, d)
		}
	}
}

// TestDuelingNacks checks that the dueling scenario really preempts: both
// proposers get nacked before one wins.
func TestDuelingNacks(t *testing.T) {
	sc, _ := Get("dueling-proposers")
	tr, err := sc.Run()
	if err != nil {
		t.Fatal(err)
	}
	nacked := map[paxos.NodeID]bool{}
	for _, st := range tr.Steps {
		if st.Action == paxostrace.EvNack {
			nacked[st.Node] = true
		}
	}
	if !nacked[3] || !nacked[4] {
		t.Fatalf("nacked proposers %v, want both 3 and 4", nacked)
	}
}

func TestGetUnknown(t *testing.T) {
	if _, err := Get("no-such"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Get(no-such) = %v, want ErrUnknown", err)
	}
}

// TestScriptErrorsReported checks that a script asking for a message that
// is not in flight fails the run instead of producing a shorter trace.
func TestScriptErrorsReported(t *testing.T) {
	sc := Scenario{Name: "broken", script: func(r *runner) { r.deliver(paxos.Msg1b, a0, p3) }}
	if _, err := sc.Run(); err == nil {
		t.Fatal("a script delivering a message never sent ran without error")
	}
}
