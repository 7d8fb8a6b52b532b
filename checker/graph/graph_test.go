package graph_test

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
)

// A toy protocol, to show the graph generic and what a protocol must
// provide: node 0 is a pinger that, when its client asks, arms its timer;
// on a timeout it persists its count and sends a ping to node 1; node 1
// answers every ping with a pong; a pong cancels the pinger's timer and
// answers the client. Nodes are plain values, messages comparable.

type tid uint8
type tclient uint8

type tnode struct {
	id      tid
	down    bool
	count   uint8 // pings sent (durable)
	waiting bool  // the pinger's client waits
}

type tmsg struct {
	kind     byte // 'p'ing or 'o' (pong)
	from, to tid
	n        uint8
}

func (m tmsg) Compare(o tmsg) int {
	return cmp.Or(cmp.Compare(m.kind, o.kind), cmp.Compare(m.from, o.from), cmp.Compare(m.to, o.to), cmp.Compare(m.n, o.n))
}

type teff struct {
	persist *uint8
	send    []tmsg
	timer   graph.TimerOp
	reply   bool
}

type toy struct {
	opt graph.Options[tid]
	// keepTimer: a pong answers the client but leaves the timer armed
	// (code whose timer outlives its reason).
	keepTimer bool
}

var _ graph.Protocol[tid, tclient, tnode, tmsg, uint8, teff] = (*toy)(nil)

func (p *toy) GraphOptions() *graph.Options[tid]               { return &p.opt }
func (p *toy) Nodes() ([]tnode, error)                         { return []tnode{{id: 0}, {id: 1}}, nil }
func (p *toy) ID(n *tnode) tid                                 { return n.id }
func (p *toy) Crashed(n *tnode) bool                           { return n.down }
func (p *toy) TimeoutInBound(n *tnode) bool                    { return n.count < 2 }
func (p *toy) NumClients() int                                 { return 1 }
func (p *toy) ClientNode(tclient) tid                          { return 0 }
func (p *toy) To(m tmsg) tid                                   { return m.to }
func (p *toy) SentForm(m tmsg) (tmsg, bool)                    { return m, m.kind == 'p' }
func (p *toy) MidStepEffects(e teff) teff                      { return teff{persist: e.persist} }
func (p *toy) Event(a graph.Action[tid, tclient, tmsg]) string { return a.Kind.String() }

func (p *toy) Enabled(n *tnode, in graph.Input[tclient, tmsg, uint8]) bool {
	switch {
	case in.Kind == graph.InRestart:
		return n.down
	case n.down:
		return false
	case in.Kind == graph.InDeliver:
		return in.Msg.to == n.id
	case in.Kind == graph.InRequest:
		return n.id == 0 && !n.waiting
	case in.Kind == graph.InTimeout:
		return n.id == 0 && n.waiting
	}
	return in.Kind == graph.InCrash
}

func (p *toy) Step(n *tnode, in graph.Input[tclient, tmsg, uint8], next *tnode) (teff, graph.Common[tmsg, uint8], error) {
	if !p.Enabled(n, in) {
		return teff{}, graph.Common[tmsg, uint8]{}, fmt.Errorf("%w: %d at node %d", graph.ErrInput, in.Kind, n.id)
	}
	*next = *n
	var e teff
	switch in.Kind {
	case graph.InCrash:
		*next = tnode{id: n.id, down: true}
	case graph.InRestart:
		*next = tnode{id: n.id, count: in.Durable}
	case graph.InRequest:
		next.waiting, e.timer = true, graph.TimerArm
	case graph.InTimeout:
		next.count++
		c := next.count
		e.persist, e.send = &c, []tmsg{{kind: 'p', from: 0, to: 1, n: c}}
	case graph.InDeliver:
		if in.Msg.kind == 'p' {
			e.send = []tmsg{{kind: 'o', from: 1, to: 0, n: in.Msg.n}}
		} else if next.waiting {
			next.waiting, e.timer, e.reply = false, graph.TimerCancel, true
			if p.keepTimer {
				e.timer = graph.TimerKeep
			}
		}
	}
	c := graph.Common[tmsg, uint8]{Persist: e.persist, Send: e.send, Timer: e.timer}
	if e.reply {
		c.Returned = 1
	}
	return e, c, nil
}

func (p *toy) AppendNode(b []byte, n *tnode, d *uint8) []byte {
	return append(b, boolByte(n.down), n.count, boolByte(n.waiting), *d)
}

func (p *toy) AppendMsgs(b []byte, ms []tmsg) []byte {
	b = binary.AppendUvarint(b, uint64(len(ms)))
	for _, m := range ms {
		b = append(b, m.kind, byte(m.from), byte(m.to), m.n)
	}
	return b
}

var errShort = errors.New("short")

func (p *toy) DecodeNode(b []byte, n *tnode, d *uint8) ([]byte, error) {
	if len(b) < 4 {
		return b, errShort
	}
	n.down, n.count, n.waiting, *d = b[0] == 1, b[1], b[2] == 1, b[3]
	return b[4:], nil
}

func (p *toy) DecodeMsgs(b []byte, dst []tmsg) ([]tmsg, []byte, error) {
	c, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < 4*c {
		return dst, b, errShort
	}
	b, dst = b[k:], dst[:0]
	for i := uint64(0); i < c; i++ {
		dst = append(dst, tmsg{kind: b[0], from: tid(b[1]), to: tid(b[2]), n: b[3]})
		b = b[4:]
	}
	return dst, b, nil
}

func boolByte(x bool) byte {
	if x {
		return 1
	}
	return 0
}

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
			answered = answered || next.Returned != 0
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
	p.opt.Budget = graph.Budget{Drops: 1, Dups: 1, Crashes: 1}
	n1, _ := reach(t, p)
	if n1 <= n0 {
		t.Fatalf("faults add no states: %d without, %d with", n0, n1)
	}
	p.opt = graph.Options[tid]{SetNetwork: true}
	if n, _ := reach(t, p); n == 0 {
		t.Fatal("no states on the set network")
	}
}

// TestToyTimersAndStorage follows one path by hand: the timeout is
// offered only while the timer is armed, a crash disarms it, the count
// persisted before the ping left comes back after a restart, and the ping
// is in Sent (its SentForm) while the pong is not.
func TestToyTimersAndStorage(t *testing.T) {
	p := &toy{opt: graph.Options[tid]{Budget: graph.Budget{Crashes: 1}}}
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
	if st.Nodes[0].count != 1 {
		t.Fatalf("restarted with count %d, want the persisted 1", st.Nodes[0].count)
	}
	do(graph.Action[tid, tclient, tmsg]{Kind: graph.ActDeliver, Node: 1, Msg: st.Net[0]})
	if len(st.Sent) != 1 || len(st.Net) != 1 || st.Net[0].kind != 'o' {
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
	p := &toy{keepTimer: true}
	if n, answered := reach(t, p); n == 0 || !answered {
		t.Fatalf("%d states, answered %v", n, answered)
	}
}

// TestToyConformance: the toy passes the contract checks a protocol's
// tests run (graphtest.Conformance), with and without faults.
func TestToyConformance(t *testing.T) {
	for _, opt := range []graph.Options[tid]{{}, {Budget: graph.Budget{Drops: 1, Dups: 1, Crashes: 1}, MidStepCrash: true}, {SetNetwork: true}} {
		p := &toy{opt: opt}
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
		n.count = 99
	}
	return e, c, err
}

func (f flaky) Step(n *tnode, in graph.Input[tclient, tmsg, uint8], next *tnode) (teff, graph.Common[tmsg, uint8], error) {
	e, c, err := f.toy.Step(n, in, next)
	*f.n++
	if err == nil && in.Kind == graph.InTimeout && *f.n%2 == 0 {
		next.count += 5
	}
	return e, c, err
}

func (f forgetful) AppendNode(b []byte, n *tnode, d *uint8) []byte {
	m := *n
	m.count = 0
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
