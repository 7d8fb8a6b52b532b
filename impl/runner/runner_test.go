package runner

import (
	"errors"
	"slices"
	"testing"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/impl/storage"
)

// log records, in one sequence, what a step did to the store, the network
// and the clients.
type log struct {
	events []string
	fail   error
}

type logStore struct{ l *log }

// eff is the runner's effects for single-decree Paxos.
type eff = Effects[paxos.Durable, paxos.Message, paxos.Reply]

// core runs a paxos.Node as the runner's Core: what a real runtime of
// single-decree Paxos does (the core itself knows nothing of runners).
type core struct {
	c *paxos.Config
	n paxos.Node
}

func (c *core) Step(in paxos.Input) (eff, error) {
	next, e, err := c.n.Step(c.c, in)
	if err != nil {
		return eff{}, err
	}
	c.n = next
	return eff{Persist: e.Persist, Send: e.Send, Replies: e.Replies, Timer: e.Timer}, nil
}

func (c *core) Crash() paxos.Input { return paxos.Input{Kind: paxos.InCrash} }

func (c *core) Restart(d paxos.Durable) paxos.Input {
	return paxos.Input{Kind: paxos.InRestart, Durable: d}
}

func (s logStore) Load() (paxos.Durable, error) { return paxos.Durable{}, nil }
func (s logStore) Save(d paxos.Durable) error {
	s.l.events = append(s.l.events, "persist")
	return s.l.fail
}
func (s logStore) Close() error { return nil }

type logNet struct{ l *log }

func (n logNet) Send(m paxos.Message) { n.l.events = append(n.l.events, "send "+m.Type.String()) }

type logClients struct{ l *log }

func (c logClients) Reply(r paxos.Reply) { c.l.events = append(c.l.events, "reply") }

type logTimer struct{ l *log }

func (t logTimer) Arm()    { t.l.events = append(t.l.events, "arm") }
func (t logTimer) Cancel() { t.l.events = append(t.l.events, "cancel") }

// TestApplyOrder: persist, then every send in order, then every reply,
// then the timer; a step that keeps its timer touches none.
func TestApplyOrder(t *testing.T) {
	for op, last := range map[TimerOp]string{TimerArm: "arm", TimerCancel: "cancel", TimerKeep: ""} {
		l := &log{}
		e := eff{Persist: &paxos.Durable{Round: 1},
			Send:    []paxos.Message{{Type: paxos.Msg1a}, {Type: paxos.Msg2a}},
			Replies: []paxos.Reply{{Client: 0, Value: "x"}}, Timer: op}
		if err := Apply(e, logStore{l}, logNet{l}, logClients{l}, logTimer{l}); err != nil {
			t.Fatal(err)
		}
		want := []string{"persist", "send 1a", "send 2a", "reply"}
		if last != "" {
			want = append(want, last)
		}
		if !slices.Equal(l.events, want) {
			t.Fatalf("timer %d: events %v, want %v", op, l.events, want)
		}
	}
}

// TestApplyFailedPersistSendsNothing: a write that fails stops the step
// before anything that depends on it leaves.
func TestApplyFailedPersistSendsNothing(t *testing.T) {
	boom := errors.New("disk full")
	l := &log{fail: boom}
	e := eff{Persist: &paxos.Durable{Round: 1}, Send: []paxos.Message{{Type: paxos.Msg1a}},
		Replies: []paxos.Reply{{Client: 0, Value: "x"}}, Timer: TimerArm}
	if err := Apply(e, logStore{l}, logNet{l}, logClients{l}, logTimer{l}); !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	if !slices.Equal(l.events, []string{"persist"}) {
		t.Fatalf("events %v: something left after a failed persist", l.events)
	}
}

// TestNodeCrashRestart: a proposer run by a Node persists its round; after
// a crash and a restart from the store it starts above it.
func TestNodeCrashRestart(t *testing.T) {
	c := paxos.NewConfig(3, 1, 1)
	st, err := paxos.NewNode(&c, c.Proposers[0])
	if err != nil {
		t.Fatal(err)
	}
	l := &log{}
	pc := &core{c: &c, n: st}
	n := &Node[paxos.Input, paxos.Durable, paxos.Message, paxos.Reply]{Core: pc, Store: storage.NewMemStore[paxos.Durable](),
		Net: logNet{l}, Clients: logClients{l}, Timer: logTimer{l}}
	if _, err := n.Step(paxos.Input{Kind: paxos.InRequest, Client: 0, Value: "x"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.events, []string{"arm"}) {
		t.Fatalf("a request: events %v, want the proposer's timer armed", l.events)
	}
	if _, err := n.Step(paxos.Input{Kind: paxos.InTimeout}); err != nil {
		t.Fatal(err)
	}
	if err := n.Crash(); err != nil {
		t.Fatal(err)
	}
	if !pc.n.Crashed || l.events[len(l.events)-1] != "cancel" {
		t.Fatalf("crashed %v, events %v: want a crash to disarm the timer", pc.n.Crashed, l.events)
	}
	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	if pc.n.Mem.Round != 1 {
		t.Fatalf("restarted with round %d, want the persisted 1", pc.n.Mem.Round)
	}
	if _, err := n.Step(paxos.Input{Kind: paxos.InTimeout}); err == nil {
		t.Fatal("a restarted proposer with no client timed out")
	}
	// A refused input changes nothing and sends nothing.
	before := len(l.events)
	if _, err := n.Step(paxos.Input{Kind: paxos.InRestart}); err == nil || len(l.events) != before {
		t.Fatalf("restart of a running node: error %v, %d new events", err, len(l.events)-before)
	}
}

// TestSlot: a Slot reads and writes the Durable it points to.
func TestSlot(t *testing.T) {
	var d paxos.Durable
	s := storage.Slot[paxos.Durable]{D: &d}
	if err := s.Save(paxos.Durable{Round: 3}); err != nil || d.Round != 3 {
		t.Fatalf("save: %v, round %d", err, d.Round)
	}
	if got, err := s.Load(); err != nil || got.Round != 3 {
		t.Fatalf("load: %+v, %v", got, err)
	}
}

// TestApplyGroup: one save of the group's last state, before any step
// sends; then each step's record, sends and replies in order; a failed
// save sends nothing.
func TestApplyGroup(t *testing.T) {
	d1, d2 := paxos.Durable{Round: 1}, paxos.Durable{Round: 2}
	es := []eff{
		{Persist: &d1, Send: []paxos.Message{{Type: paxos.Msg1a}}},
		{Send: []paxos.Message{{Type: paxos.Msg2a}}, Replies: []paxos.Reply{{}}},
		{Persist: &d2, Send: []paxos.Message{{Type: paxos.Msg2b}}},
	}
	var saved []paxos.Durable
	l := &log{}
	store := &recStore{logStore{l}, &saved}
	before := func(i int) error { l.events = append(l.events, "record "+string(rune('0'+i))); return nil }
	if err := ApplyGroup(es, store, logNet{l}, logClients{l}, nil, before); err != nil {
		t.Fatal(err)
	}
	want := []string{"persist", "record 0", "send 1a", "record 1", "send 2a", "reply", "record 2", "send 2b"}
	if !slices.Equal(l.events, want) {
		t.Errorf("events %v, want %v", l.events, want)
	}
	if !slices.Equal(saved, []paxos.Durable{d2}) {
		t.Errorf("saved %v, want only the last state %v", saved, d2)
	}
	l2 := &log{fail: errors.New("disk full")}
	if err := ApplyGroup(es, logStore{l2}, logNet{l2}, logClients{l2}, nil, nil); err == nil || !slices.Equal(l2.events, []string{"persist"}) {
		t.Errorf("a failed save: %v, events %v; want an error and nothing sent", err, l2.events)
	}
}

type recStore struct {
	logStore
	saved *[]paxos.Durable
}

func (s *recStore) Save(d paxos.Durable) error {
	*s.saved = append(*s.saved, d)
	return s.logStore.Save(d)
}
