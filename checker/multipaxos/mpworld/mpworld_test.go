package mpworld

import (
	"errors"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

func small(bugs mp.Bugs) Setup {
	c := mp.NewConfig(3, 2, 2)
	s := NewSetup(3, 2, 2, Workload(&c, 2, 2, 1))
	s.Config.Bugs = bugs
	s.MaxRound = 2
	s.Budget = graph.Budget{Drops: 1, Dups: 1, Crashes: 1}
	s.MidStepCrash = true
	return s
}

// TestConformance runs the adapter through graphtest's conformance check
// (every offered action taken, Step deterministic and leaving its node
// alone, a copy's slices never written, states encoding and decoding
// back) for the correct code and every bug.
func TestConformance(t *testing.T) {
	limit := 20000
	if testing.Short() || raceOn {
		limit = 3000
	}
	for _, b := range append([]mp.Bug{0}, mp.Catalogue()...) {
		name := "correct"
		if b != 0 {
			name = b.String()
		}
		t.Run(name, func(t *testing.T) {
			s := small(mp.Bugs(b))
			states, trans := graphtest.Conformance(t, &s, limit)
			if states < limit/2 || trans == 0 {
				t.Fatalf("only %d states, %d transitions", states, trans)
			}
		})
	}
}

// TestSessionsInOrder: a session's second command is offered only once
// its first returned.
func TestSessionsInOrder(t *testing.T) {
	s := small(0)
	init, err := graph.Init(&s)
	if err != nil {
		t.Fatal(err)
	}
	acts := graph.Actions(&s, &init, nil)
	for _, a := range acts {
		if a.Kind == graph.ActInvoke && s.Ops[a.Client].Cmd.Seq != 1 {
			t.Fatalf("%s offered before its session's first command returned", a)
		}
	}
	st := init.Clone()
	if _, err := graph.Apply(&s, &st, Action{Kind: graph.ActInvoke, Node: s.Ops[1].Proposer, Client: 1}); !errors.Is(err, graph.ErrInput) {
		t.Fatalf("applying a session's second command first: %v", err)
	}
}

func TestSetupErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(s *Setup)
	}{
		{"op at an acceptor", func(s *Setup) { s.Ops[0].Proposer = 0 }},
		{"op at no node", func(s *Setup) { s.Ops[0].Proposer = 77 }},
		{"no-op as a command", func(s *Setup) { s.Ops[0].Cmd = mp.Noop }},
		{"same command twice", func(s *Setup) { s.Ops[1].Cmd = s.Ops[0].Cmd }},
		{"bad config", func(s *Setup) { s.Config.Pipeline = 0 }},
		{"rounds for too many", func(s *Setup) { s.Rounds = []uint32{1, 1, 1} }},
	}
	for _, tc := range cases {
		s := small(0)
		s.Ops = append([]Op(nil), s.Ops...)
		tc.edit(&s)
		if _, err := graph.Init(&s); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	s := small(0)
	s.Follows = []int{0}
	if _, err := graph.Init(&s); !errors.Is(err, graph.ErrSetup) {
		t.Errorf("a client after itself: %v", err)
	}
}
