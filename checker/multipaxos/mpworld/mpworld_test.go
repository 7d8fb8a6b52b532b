package mpworld

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
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
// back) for the correct code and every bug, and for the correct code
// with every state's client history (graph.Options.History).
func TestConformance(t *testing.T) {
	limit := 20000
	if testing.Short() || raceOn {
		limit = 3000
	}
	type variant struct {
		name    string
		bug     mp.Bug
		history bool
	}
	variants := []variant{{"correct", 0, false}, {"history", 0, true}}
	for _, b := range mp.Catalogue() {
		variants = append(variants, variant{b.String(), b, false})
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			s := small(mp.Bugs(v.bug))
			s.History = v.history
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
		{"a retry that is another command", func(s *Setup) { s.Ops[2].Cmd.Client, s.Ops[2].Cmd.Seq = s.Ops[0].Cmd.Client, s.Ops[0].Cmd.Seq }},
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
	// A command retried at another proposer is one operation there.
	s := small(0)
	s.Ops = append([]Op(nil), s.Ops...)
	s.Ops[2].Cmd = s.Ops[0].Cmd
	if _, err := graph.Init(&s); err != nil || s.Ops[2].Proposer == s.Ops[0].Proposer {
		t.Errorf("a command retried at another proposer: %v", err)
	}
	s = small(0)
	s.Follows = []int{0}
	if _, err := graph.Init(&s); !errors.Is(err, graph.ErrSetup) {
		t.Errorf("a client after itself: %v", err)
	}
}

// TestParseWorkload: a written workload gives Workload's sessions (the
// same keys, values and proposers), and a bad one is an error.
func TestParseWorkload(t *testing.T) {
	c := mp.NewConfig(3, 2, 1)
	got, err := ParseWorkload(&c, "put,get,cas;put", 1)
	if err != nil {
		t.Fatal(err)
	}
	want := Workload(&c, 2, 3, 1)
	want[1].Cmds = want[1].Cmds[:1]
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for _, bad := range []string{"", "put;;get", "noop", "put,x", "put;get,"} {
		if _, err := ParseWorkload(&c, bad, 1); !errors.Is(err, mp.ErrConfig) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestTraceHoldsEveryWorkload: a trace's header holds as many operations
// as a setup may have, and a 100-command run is recorded and read back.
func TestTraceHoldsEveryWorkload(t *testing.T) {
	if mptrace.MaxOps != graph.MaxClients {
		t.Fatalf("traces hold %d operations, setups %d", mptrace.MaxOps, graph.MaxClients)
	}
	c := mp.NewConfig(3, 2, 2)
	s := NewSetup(3, 2, 2, Workload(&c, 4, 25, 2))
	var path []Action
	st, err := graph.Init(&s)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 4; k++ { // each session's first command
		a := Action{Kind: graph.ActInvoke, Node: s.Ops[k*25].Proposer, Client: OpID(k * 25)}
		if _, err := graph.Apply(&s, &st, a); err != nil {
			t.Fatal(err)
		}
		path = append(path, a)
	}
	tr, err := Record(&s, path, "test")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := mptrace.Write(&buf, tr); err != nil {
		t.Fatalf("writing a trace of %d operations: %v", len(s.Ops), err)
	}
	back, err := mptrace.Read(&buf)
	if err != nil || len(back.Header.Ops) != 100 {
		t.Fatalf("read back %d operations: %v", len(back.Header.Ops), err)
	}
}
