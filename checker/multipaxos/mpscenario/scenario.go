// Package mpscenario holds Multi-Paxos's textbook scenarios: short,
// deterministic, scripted runs of impl/multipaxos that show what its
// design is for (phase 1 skipped in steady state, a hole filled with a
// no-op after a leader crash, two leaders dueling over slots, and the
// stale read of a deposed leader that answers from its own state). Each
// is recorded as a trace, with every invariant checked after every step
// and the client history checked for linearizability.
package mpscenario

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpmodel"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// ErrUnknown is wrapped by Get's error for a name that is no scenario.
var ErrUnknown = errors.New("unknown scenario")

// Scenario is one scripted run.
type Scenario struct {
	Name, Summary string
	// Bugs are the catalogue bugs it switches on (the stale read's).
	Bugs mp.Bugs
	// Sessions are its clients' commands (client i is session i).
	Sessions []mpworld.Session
	script   func(r *runner)
}

// The cluster of every scenario: acceptors 0, 1, 2 and proposers 3, 4.
const (
	a0, a1, a2 = mp.NodeID(0), mp.NodeID(1), mp.NodeID(2)
	p3, p4     = mp.NodeID(3), mp.NodeID(4)
)

func put(k, v string) mp.Command { return mp.Command{Op: mp.OpPut, Key: k, Val: v} }
func get(k string) mp.Command    { return mp.Command{Op: mp.OpGet, Key: k} }

// All is every scenario, in the order --list prints them.
var All = []Scenario{
	{Name: "steady-state", Summary: "a leader's first command takes both phases; its next goes straight to phase 2 in the next slot",
		Sessions: []mpworld.Session{{Proposer: p3, Cmds: []mp.Command{put("x", "1"), get("x")}}}, script: steadyState},
	{Name: "leader-crash-hole", Summary: "a leader crashes with slot 1 unvoted and slot 2 voted; the next leader adopts slot 2 and fills slot 1 with a no-op",
		Sessions: []mpworld.Session{{Proposer: p3, Cmds: []mp.Command{put("x", "1")}}, {Proposer: p3, Cmds: []mp.Command{put("y", "2")}}, {Proposer: p4, Cmds: []mp.Command{put("z", "3")}}},
		script:   leaderCrashHole},
	{Name: "dueling-leaders", Summary: "two proposers take turns deposing each other over slot 1; the later ballot adopts the earlier vote, and both commands are applied once",
		Sessions: []mpworld.Session{{Proposer: p3, Cmds: []mp.Command{put("x", "1")}}, {Proposer: p4, Cmds: []mp.Command{put("x", "2")}}}, script: dueling},
	{Name: "stale-read", Summary: "bug stale-read: a deposed leader answers a Get from its own state after a newer leader's write completed: not linearizable",
		Bugs:     mp.Bugs(mp.BugStaleRead),
		Sessions: []mpworld.Session{{Proposer: p3, Cmds: []mp.Command{put("x", "1")}}, {Proposer: p4, Cmds: []mp.Command{put("x", "2")}}, {Proposer: p3, Cmds: []mp.Command{get("x")}}},
		script:   staleRead},
}

// Get returns the scenario named name.
func Get(name string) (Scenario, error) {
	for _, sc := range All {
		if sc.Name == name {
			return sc, nil
		}
	}
	var names []string
	for _, sc := range All {
		names = append(names, sc.Name)
	}
	return Scenario{}, fmt.Errorf("%w %q (have %s)", ErrUnknown, name, strings.Join(names, ", "))
}

// Setup is the scenario's cluster: 3 acceptors, 2 proposers, pipeline 2,
// its sessions; unbounded (the script says what happens).
func (sc *Scenario) Setup() mpworld.Setup {
	s := mpworld.NewSetup(3, 2, 2, sc.Sessions)
	s.Config.Bugs = sc.Bugs
	s.Unbounded = true
	return s
}

// Run plays the script and returns its trace, with the first invariant
// it breaks (or a history that is not linearizable) in the header.
func (sc *Scenario) Run() (mptrace.Trace, error) {
	s := sc.Setup()
	rec, err := mpworld.NewRecorder(&s)
	if err != nil {
		return mptrace.Trace{}, err
	}
	r := &runner{rec: rec, chk: (&mpmodel.Model{Setup: s}).NewChecker()}
	sc.script(r)
	if r.err != nil {
		return mptrace.Trace{}, fmt.Errorf("scenario %s: %w", sc.Name, r.err)
	}
	t := rec.Trace("scenario")
	if r.v != nil {
		t.Header.Violation = &mptrace.Violation{Invariant: r.v.Invariant, Step: r.v.Step, Detail: r.v.Detail}
	} else if err := mpmodel.CheckTrace(&t, 10*time.Second); errors.Is(err, linearize.ErrNotLinearizable) {
		t.Header.Violation = &mptrace.Violation{Invariant: mpmodel.Linearizable, Step: len(t.Steps), Detail: err.Error()}
	} else if err != nil {
		return t, err
	}
	return t, nil
}

// runner plays a script: the first error stops it, the first violation
// is kept.
type runner struct {
	rec *mpworld.Recorder
	chk graph.Checker[mp.NodeID, mp.Node, mp.Message, mp.Durable]
	err error
	v   *graph.Violation
}

func (r *runner) apply(a mpworld.Action) {
	if r.err != nil {
		return
	}
	if _, err := r.rec.Apply(a); err != nil {
		r.err = fmt.Errorf("step %d (%s): %w", len(r.rec.Steps)+1, a, err)
		return
	}
	if v := r.chk.Check(&r.rec.State, len(r.rec.Steps)); v != nil && r.v == nil {
		r.v = v
	}
}

// find returns the oldest message in flight of type t from from to to
// (slot 0: any slot).
func (r *runner) find(t mp.MsgType, from, to mp.NodeID, slot mp.Slot) (mp.Message, bool) {
	i := slices.IndexFunc(r.rec.State.Net, func(m mp.Message) bool {
		return m.Type == t && m.From == from && m.To == to && (slot == 0 || m.Slot == slot)
	})
	if i < 0 {
		return mp.Message{}, false
	}
	return r.rec.State.Net[i], true
}

func (r *runner) msg(k graph.ActionKind, t mp.MsgType, from, to mp.NodeID, slot mp.Slot) {
	if r.err != nil {
		return
	}
	m, ok := r.find(t, from, to, slot)
	if !ok {
		r.err = fmt.Errorf("step %d: no %s from %d to %d in flight", len(r.rec.Steps)+1, t, from, to)
		return
	}
	r.apply(mpworld.Action{Kind: k, Node: to, Msg: m})
}

// deliver delivers each addressee's message of type t from from.
func (r *runner) deliver(t mp.MsgType, from mp.NodeID, slot mp.Slot, tos ...mp.NodeID) {
	for _, to := range tos {
		r.msg(graph.ActDeliver, t, from, to, slot)
	}
}

// reply delivers to to the message of type t of each sender.
func (r *runner) reply(t mp.MsgType, to mp.NodeID, slot mp.Slot, froms ...mp.NodeID) {
	for _, from := range froms {
		r.msg(graph.ActDeliver, t, from, to, slot)
	}
}

func (r *runner) drop(t mp.MsgType, from, to mp.NodeID, slot mp.Slot) {
	r.msg(graph.ActDrop, t, from, to, slot)
}

func (r *runner) invoke(op int) {
	r.apply(mpworld.Action{Kind: graph.ActInvoke, Node: r.rec.Setup.Ops[op].Proposer, Client: mpworld.OpID(op)})
}

func (r *runner) timeout(p mp.NodeID) { r.apply(mpworld.Action{Kind: graph.ActTimeout, Node: p}) }
func (r *runner) crash(n mp.NodeID)   { r.apply(mpworld.Action{Kind: graph.ActCrash, Node: n}) }

// drain delivers every message in flight, first by the network's order,
// until none is left (the multiset network consumes each); a message its
// addressee does not take (it crashed) is lost.
func (r *runner) drain() {
	for r.err == nil && len(r.rec.State.Net) > 0 {
		m := r.rec.State.Net[0]
		a := mpworld.Action{Kind: graph.ActDeliver, Node: m.To, Msg: m}
		if !graph.Offered(r.rec.Setup, &r.rec.State, a) {
			a.Kind = graph.ActDrop
		}
		r.apply(a)
	}
}

var acceptors = []mp.NodeID{a0, a1, a2}

func steadyState(r *runner) {
	r.invoke(0)
	r.timeout(p3)
	r.deliver(mp.Msg1a, p3, 1, acceptors...)
	r.reply(mp.Msg1b, p3, 1, a0, a1) // a quorum: P3 leads, 2a for slot 1
	r.deliver(mp.Msg2a, p3, 1, a0, a1, a2)
	r.reply(mp.Msg2b, p3, 1, a0, a1) // chosen: applied, answered
	r.invoke(1)                      // leading: 2a for slot 2 at once, no phase 1
	r.deliver(mp.Msg2a, p3, 2, a0, a1, a2)
	r.reply(mp.Msg2b, p3, 2, a0, a1)
	r.drain()
}

func leaderCrashHole(r *runner) {
	r.invoke(0)
	r.timeout(p3)
	r.deliver(mp.Msg1a, p3, 1, acceptors...)
	r.reply(mp.Msg1b, p3, 1, a0, a1)
	r.invoke(1) // slot 2, in the pipeline beside slot 1
	for _, a := range acceptors {
		r.drop(mp.Msg2a, p3, a, 1) // slot 1's 2a never arrives
	}
	r.deliver(mp.Msg2a, p3, 2, a0, a1) // slot 2 is chosen, but P3 never hears
	r.crash(p3)
	r.invoke(2)
	r.timeout(p4)
	r.deliver(mp.Msg1a, p4, 1, acceptors...)
	r.reply(mp.Msg1b, p4, 1, a1, a2) // a1 reports slot 2: adopted; slot 1 a hole: no-op; z in slot 3
	r.drain()
}

func dueling(r *runner) {
	r.invoke(0)
	r.invoke(1)
	r.timeout(p3)
	r.deliver(mp.Msg1a, p3, 1, a0, a1)
	r.reply(mp.Msg1b, p3, 1, a0, a1) // P3 leads at 1.0
	r.timeout(p4)
	r.deliver(mp.Msg1a, p4, 1, a1, a2) // a1 promises 1.1
	r.deliver(mp.Msg2a, p3, 1, a0, a1) // a0 votes x=1 at 1.0; a1 nacks
	r.reply(mp.MsgNack, p3, 0, a1)     // P3 steps down
	r.reply(mp.Msg1b, p4, 1, a1, a2)   // P4 leads at 1.1: nothing reported, x=2 in slot 1
	r.timeout(p3)                      // P3 at 2.0
	r.deliver(mp.Msg1a, p3, 1, a0, a1)
	r.reply(mp.Msg1b, p3, 1, a0, a1) // a0 reports x=1 at 1.0: adopted in slot 1
	r.drain()                        // P4's 2a are refused below 2.0; x=1 is chosen in slot 1
	r.timeout(p4)                    // P4 at 3.1: x=2 in slot 2
	r.drain()
}

func staleRead(r *runner) {
	r.invoke(0)
	r.timeout(p3)
	r.deliver(mp.Msg1a, p3, 1, acceptors...)
	r.reply(mp.Msg1b, p3, 1, a0, a1)
	r.deliver(mp.Msg2a, p3, 1, acceptors...)
	r.reply(mp.Msg2b, p3, 1, a0, a1) // x=1 chosen and answered; P3 still leads
	r.reply(mp.MsgDecided, p4, 1, p3)
	r.invoke(1)
	r.timeout(p4)
	r.deliver(mp.Msg1a, p4, 2, a1, a2)
	r.reply(mp.Msg1b, p4, 2, a1, a2)
	r.deliver(mp.Msg2a, p4, 2, a1, a2)
	r.reply(mp.Msg2b, p4, 2, a1, a2) // x=2 chosen in slot 2 and answered
	r.invoke(2)                      // Get x at P3, which never heard of ballot 1.1: answers 1
}
