package world

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// TestNormalCase drives the failure-free run by hand: one client, one
// ballot, and the value is learned and returned.
func TestNormalCase(t *testing.T) {
	s := DefaultSetup()
	r, err := NewRecorder(&s)
	if err != nil {
		t.Fatal(err)
	}
	do := func(a Action) {
		t.Helper()
		if _, err := r.Apply(a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	p := s.Config.Proposers[0]
	do(Action{Kind: ActInvoke, Node: p, Client: 0})
	do(Action{Kind: ActTimeout, Node: p})
	// Deliver until nothing is in flight; always the first message.
	for len(r.State.Net) > 0 {
		m := r.State.Net[0]
		do(Action{Kind: ActDeliver, Node: m.To, Msg: m})
	}
	l := r.State.Node(s.Config.Learners[0])
	if l.Learned != "x" {
		t.Fatalf("learned %q, want x", l.Learned)
	}
	if r.State.Returned != graph.ClientSet(0) {
		t.Fatalf("returned mask %b, want client 0 answered", r.State.Returned)
	}
}

// TestTimers: the world offers a proposer's timeout exactly while the
// timer its steps armed is armed: not before its client's request, not
// after a crash (timers are volatile), not after it heard a decided value.
func TestTimers(t *testing.T) {
	s := NewSetup(3, 1, 1, 2) // one proposer, two clients
	s.Budget.Crashes = 1
	st, err := Init(&s)
	if err != nil {
		t.Fatal(err)
	}
	p := s.Config.Proposers[0]
	pi := st.NodeIndex(p)
	offered := func() bool {
		for _, a := range st.Actions(&s, nil) {
			if a.Kind == ActTimeout && a.Node == p {
				return true
			}
		}
		return false
	}
	do := func(a Action) {
		t.Helper()
		if _, err := st.Apply(&s, a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	timeout := Action{Kind: ActTimeout, Node: p}
	if offered() {
		t.Fatal("a timeout is offered before any request")
	}
	if c := st.Clone(); func() error { _, err := c.Apply(&s, timeout); return err }() == nil {
		t.Fatal("a timeout of an unarmed timer was taken")
	}
	do(Action{Kind: ActInvoke, Node: p, Client: 0})
	if st.Timers != 1<<uint(pi) || !offered() {
		t.Fatalf("timers %b after the request, want proposer %d's", st.Timers, pi)
	}
	do(Action{Kind: ActCrash, Node: p})
	do(Action{Kind: ActRestart, Node: p})
	if st.Timers != 0 || offered() {
		t.Fatalf("timers %b after a crash-restart, want none", st.Timers)
	}
	do(Action{Kind: ActInvoke, Node: p, Client: 1})
	do(timeout)
	for len(st.Net) > 0 {
		m := st.Net[0]
		do(Action{Kind: ActDeliver, Node: m.To, Msg: m})
	}
	if st.Node(p).Decided == paxos.None || st.Timers&(1<<uint(pi)) != 0 || offered() {
		t.Fatalf("decided %q, timers %b: want the timer cancelled by the decided value", st.Node(p).Decided, st.Timers)
	}
}

// TestRandomWalksStayConsistent walks the graph at random and checks that
// every enabled action applies without error.
func TestRandomWalksStayConsistent(t *testing.T) {
	s := DefaultSetup()
	s.Budget = Budget{Drops: 2, Dups: 2, Crashes: 2}
	s.MaxRound = 3
	s.MidStepCrash = true
	const seed = 1
	rng := rand.New(rand.NewPCG(seed, 0))
	for run := 0; run < 200; run++ {
		st, err := Init(&s)
		if err != nil {
			t.Fatal(err)
		}
		for step := 0; step < 60; step++ {
			acts := st.Actions(&s, nil)
			if len(acts) == 0 {
				break
			}
			a := acts[rng.IntN(len(acts))]
			if _, err := st.Apply(&s, a); err != nil {
				t.Fatalf("seed %d run %d step %d: %s: %v", seed, run, step, a, err)
			}
		}
		for _, n := range st.Nodes {
			if n.Role == paxos.RoleAcceptor && n.Mem.MaxVBal.Compare(n.Mem.MaxBal) > 0 {
				t.Fatalf("acceptor %d voted above its promise: %+v", n.ID, n.Mem)
			}
		}
	}
}

// TestAppendBinaryCounts: the count of messages in flight is written
// whole: 300 reads back as 300, not as 300 mod 256.
func TestAppendBinaryCounts(t *testing.T) {
	s := DefaultSetup()
	a, err := Init(&s)
	if err != nil {
		t.Fatal(err)
	}
	e0 := a.AppendBinary(&s, nil)
	m := paxos.Message{Type: paxos.Msg1a, From: 3, To: 0, Bal: paxos.Ballot{Round: 1}}
	for i := 0; i < 300; i++ {
		a.Net = append(a.Net, m)
	}
	e1 := a.AppendBinary(&s, nil)
	k := 0
	for k < len(e0) && e0[k] == e1[k] {
		k++
	}
	if n, _ := binary.Uvarint(e1[k:]); n != 300 {
		t.Fatalf("the network's count reads back as %d, want 300", n)
	}
	// A Decoder reads it all back: the same state, encoded the same.
	dec, err := NewDecoder(&s)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := dec.Decode(e1, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Net) != 300 || string(back.AppendBinary(&s, nil)) != string(e1) {
		t.Fatalf("read back %d messages in flight, want 300; same bytes: %v", len(back.Net), string(back.AppendBinary(&s, nil)) == string(e1))
	}
	if err := dec.Decode(e1[:len(e1)-1], &back); !errors.Is(err, graph.ErrDecode) {
		t.Fatalf("a truncated encoding decodes with error %v", err)
	}
	if err := dec.Decode(append(e1, 0), &back); !errors.Is(err, graph.ErrDecode) {
		t.Fatalf("an encoding with a byte after it decodes with error %v", err)
	}
}

// TestPaxosConformance: single-decree Paxos's adapter passes the contract
// checks of the state graph (graphtest.Conformance) on a small cluster
// with every fault, and on the set network.
func TestPaxosConformance(t *testing.T) {
	s := DefaultSetup()
	s.Budget = Budget{Drops: 1, Dups: 1, Crashes: 1}
	s.MaxRound = 2
	s.MidStepCrash = true
	n, tr := graphtest.Conformance[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](t, &s, 3000)
	if n < 3000 || tr == 0 {
		t.Fatalf("checked %d states, %d transitions", n, tr)
	}
	s = DefaultSetup()
	s.SetNetwork, s.MaxRound = true, 1
	graphtest.Conformance[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects](t, &s, 3000)
}
