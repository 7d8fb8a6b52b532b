package graph_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
)

// The toy protocol (graphtest.Toy), under short names.
type (
	tid     = graphtest.ToyID
	tclient = graphtest.ToyClient
	tnode   = graphtest.ToyNode
	tmsg    = graphtest.ToyMsg
	teff    = graphtest.ToyEffects
	toy     = graphtest.Toy
)

type tstate = graph.State[tid, tnode, tmsg, uint8]

// reach explores the toy's whole graph breadth-first by its encoding and
// returns the number of distinct states and whether some reached state
// answered the client.
func reach(t *testing.T, p *toy) (int, bool) {
	t.Helper()
	init, err := graph.Init[tid, tclient, tnode, tmsg, uint8, teff](p)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{string(graph.AppendBinary[tid, tclient, tnode, tmsg, uint8, teff](p, nil, &init)): true}
	queue := []tstate{init}
	answered := false
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		for _, a := range graph.Actions[tid, tclient, tnode, tmsg, uint8, teff](p, &st, nil) {
			next := st.Clone()
			if _, err := graph.Apply[tid, tclient, tnode, tmsg, uint8, teff](p, &next, a); err != nil {
				t.Fatalf("%s offered but refused: %v", a, err)
			}
			enc := graph.AppendBinary[tid, tclient, tnode, tmsg, uint8, teff](p, nil, &next)
			var back tstate
			if err := graph.DecodeBinary[tid, tclient, tnode, tmsg, uint8, teff](p, enc, &init, &back); err != nil {
				t.Fatal(err)
			}
			if string(graph.AppendBinary[tid, tclient, tnode, tmsg, uint8, teff](p, nil, &back)) != string(enc) {
				t.Fatalf("state after %s does not decode to itself", a)
			}
			answered = answered || !next.Returned.Empty()
			if !seen[string(enc)] {
				seen[string(enc)] = true
				queue = append(queue, next)
			}
		}
	}
	return len(seen), answered
}

// TestToyProtocol runs the graph on a protocol that is not Paxos: the
// fault model, timers, the runner's persist-then-send and the encoding
// are the graph's, the rest the toy's.
func TestToyProtocol(t *testing.T) {
	p := &toy{}
	n0, answered := reach(t, p)
	if !answered {
		t.Fatal("the client is never answered")
	}
	p.Opt.Budget = graph.Budget{Drops: 1, Dups: 1, Crashes: 1}
	n1, _ := reach(t, p)
	if n1 <= n0 {
		t.Fatalf("faults add no states: %d without, %d with", n0, n1)
	}
	p.Opt = graph.Options[tid]{SetNetwork: true}
	if n, _ := reach(t, p); n == 0 {
		t.Fatal("no states on the set network")
	}
}

// TestToyTimersAndStorage follows one path by hand: the timeout is
// offered only while the timer is armed, a crash disarms it, the count
// persisted before the ping left comes back after a restart, and the ping
// is in Sent (its SentForm) while the pong is not.
func TestToyTimersAndStorage(t *testing.T) {
	p := &toy{Opt: graph.Options[tid]{Budget: graph.Budget{Crashes: 1}}}
	st, err := graph.Init[tid, tclient, tnode, tmsg, uint8, teff](p)
	if err != nil {
		t.Fatal(err)
	}
	do := func(a graph.Action[tid, tclient, tmsg]) {
		t.Helper()
		if _, err := graph.Apply[tid, tclient, tnode, tmsg, uint8, teff](p, &st, a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	offered := func(k graph.ActionKind) bool {
		for _, a := range graph.Actions[tid, tclient, tnode, tmsg, uint8, teff](p, &st, nil) {
			if a.Kind == k {
				return true
			}
		}
		return false
	}
	if offered(graph.ActTimeout) {
		t.Fatal("a timeout before the timer is armed")
	}
	do(graph.Action[tid, tclient, tmsg]{Kind: graph.ActInvoke, Node: 0})
	do(graph.Action[tid, tclient, tmsg]{Kind: graph.ActTimeout, Node: 0})
	if st.Stored[0] != 1 || len(st.Net) != 1 || len(st.Sent) != 1 {
		t.Fatalf("after the timeout: stored %d, net %v, sent %v", st.Stored[0], st.Net, st.Sent)
	}
	do(graph.Action[tid, tclient, tmsg]{Kind: graph.ActCrash, Node: 0})
	if st.Timers != 0 || offered(graph.ActTimeout) {
		t.Fatalf("timers %b after a crash", st.Timers)
	}
	do(graph.Action[tid, tclient, tmsg]{Kind: graph.ActRestart, Node: 0})
	if st.Nodes[0].Count != 1 {
		t.Fatalf("restarted with count %d, want the persisted 1", st.Nodes[0].Count)
	}
	do(graph.Action[tid, tclient, tmsg]{Kind: graph.ActDeliver, Node: 1, Msg: st.Net[0]})
	if len(st.Sent) != 1 || len(st.Net) != 1 || st.Net[0].Kind != 'o' {
		t.Fatalf("after the ping: net %v, sent %v", st.Net, st.Sent)
	}
	if _, err := graph.Apply[tid, tclient, tnode, tmsg, uint8, teff](p, &st, graph.Action[tid, tclient, tmsg]{Kind: graph.ActDrop, Node: 0, Msg: st.Net[0]}); !errors.Is(err, graph.ErrInput) {
		t.Fatalf("a drop with no drop budget: %v", err)
	}
}

// TestRefusedTimeoutNotOffered: a timer left armed after its node stopped
// wanting the timeout (the toy's keepTimer) offers no timeout the node
// would refuse: every action offered is taken (reach checks it).
func TestRefusedTimeoutNotOffered(t *testing.T) {
	p := &toy{KeepTimer: true}
	if n, answered := reach(t, p); n == 0 || !answered {
		t.Fatalf("%d states, answered %v", n, answered)
	}
}

// TestToyConformance: the toy passes the contract checks a protocol's
// tests run (graphtest.Conformance), with and without faults.
func TestToyConformance(t *testing.T) {
	for _, opt := range []graph.Options[tid]{{}, {Budget: graph.Budget{Drops: 1, Dups: 1, Crashes: 1}, MidStepCrash: true}, {SetNetwork: true}} {
		p := &toy{Opt: opt}
		if n, tr := graphtest.Conformance[tid, tclient, tnode, tmsg, uint8, teff](t, p, 10000); n < 2 || tr == 0 {
			t.Fatalf("%+v: %d states, %d transitions checked", opt, n, tr)
		}
	}
}

// fatal is a graphtest.T that stops at the first failure and keeps it.
type fatal struct{ msg string }

func (f *fatal) Helper() {}
func (f *fatal) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

func conformanceFailure(p graph.Protocol[tid, tclient, tnode, tmsg, uint8, teff]) (msg string) {
	f := &fatal{}
	defer func() {
		if r := recover(); r != nil && r != any(f) {
			panic(r)
		}
		msg = f.msg
	}()
	graphtest.Conformance[tid, tclient, tnode, tmsg, uint8, teff](f, p, 10000)
	return ""
}

// scribbler's Step changes the node it is given; flaky's is not
// deterministic; forgetful's encoding leaves out the pinger's count.
type scribbler struct{ *toy }
type flaky struct {
	*toy
	n *int
}
type forgetful struct{ *toy }

func (s scribbler) Step(n *tnode, in graph.Input[tclient, tmsg, uint8], next *tnode) (teff, graph.Common[tmsg, uint8], error) {
	e, c, err := s.toy.Step(n, in, next)
	if err == nil && in.Kind == graph.InTimeout {
		n.Count = 99
	}
	return e, c, err
}

func (f flaky) Step(n *tnode, in graph.Input[tclient, tmsg, uint8], next *tnode) (teff, graph.Common[tmsg, uint8], error) {
	e, c, err := f.toy.Step(n, in, next)
	*f.n++
	if err == nil && in.Kind == graph.InTimeout && *f.n%2 == 0 {
		next.Count += 5
	}
	return e, c, err
}

func (f forgetful) AppendNode(b []byte, n *tnode, d *uint8) []byte {
	m := *n
	m.Count = 0
	return f.toy.AppendNode(b, &m, d)
}

// TestConformanceCatches shows each check of graphtest.Conformance able to
// fail.
func TestConformanceCatches(t *testing.T) {
	if msg := conformanceFailure(&toy{}); msg != "" {
		t.Fatalf("the toy fails: %s", msg)
	}
	var k int
	for name, p := range map[string]graph.Protocol[tid, tclient, tnode, tmsg, uint8, teff]{
		"changed the node":   scribbler{&toy{}},
		"not deterministic":  flaky{&toy{}, &k},
		"decodes to another": forgetful{&toy{}},
	} {
		if msg := conformanceFailure(p); !strings.Contains(msg, name) {
			t.Errorf("%s: got %q", name, msg)
		}
	}
}

// TestEqualNilEmpty: graphtest.Equal is reflect.DeepEqual but for nil and
// empty slices, at any depth, and still tells real differences apart.
func TestEqualNilEmpty(t *testing.T) {
	type inner struct{ X []int }
	type outer struct {
		A []inner
		P *inner
		N [2]inner
	}
	if !graphtest.Equal(outer{A: []inner{{}}, P: &inner{X: []int{}}}, outer{A: []inner{{X: nil}}, P: &inner{}}) {
		t.Error("nil and empty slices differ")
	}
	for _, o := range []outer{{A: []inner{{X: []int{1}}}}, {P: &inner{}}, {N: [2]inner{{}, {X: []int{2}}}}} {
		if graphtest.Equal(outer{A: []inner{{X: []int{2}}}}, o) {
			t.Errorf("%+v equals a different value", o)
		}
	}
}
