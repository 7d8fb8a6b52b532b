package scenario

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// ErrUnknown is wrapped by the error of Get for a name not in All.
var ErrUnknown = errors.New("unknown scenario")

// Scenario is one named, scripted run.
type Scenario struct {
	// Name is what `paxoscheck scenario NAME` takes.
	Name string
	// Summary is one line for `paxoscheck scenario --list`.
	Summary string
	// Doc explains what the scenario shows and why, in a few sentences.
	Doc string
	// Bugs are the catalogue bugs switched on (all off for a correct run).
	Bugs paxos.Bugs
	// Unsafe says the scenario is built to break an invariant.
	Unsafe bool
	// script drives the run.
	script func(r *runner)
}

// All lists the scenarios in the order --list prints them.
var All = []Scenario{
	{
		Name:    "normal",
		Summary: "one client, one ballot, a value chosen",
		Doc: "Client 0 asks proposer 3 to propose x. The proposer runs phase 1 " +
			"(1a, then 1b from every acceptor) and phase 2 (2a, 2b); the learner " +
			"sees a majority of 2b for one ballot, learns x, and tells the proposers, " +
			"and proposer 3 answers its client.",
		script: normal,
	},
	{
		Name:    "proposer-crash-after-phase1",
		Summary: "a proposer dies holding a quorum of promises; another finishes with its own value",
		Doc: "Proposer 3 collects promises for ballot 1.0 and crashes while handling " +
			"the 1b that completes its quorum, before any 2a leaves. Nothing was " +
			"accepted, so the 1b messages proposer 4 gathers for ballot 1.1 report no " +
			"vote, and proposer 4 is free to propose its own value y (P2c).",
		script: crashAfterPhase1,
	},
	{
		Name:    "proposer-crash-after-phase2a",
		Summary: "a 2a reaches a minority before its proposer dies; the next proposer must adopt that value",
		Doc: "Proposer 3 sends 2a x at ballot 1.0; only acceptor 0 receives it (the " +
			"network loses the others) and votes x, and proposer 3 crashes. x is not " +
			"chosen, but it might have been. Proposer 4 runs ballot 1.1: acceptor 0's " +
			"1b reports its vote (1.0, x), so proposer 4 proposes x, not its own y, " +
			"and x is chosen (P2c: the value of the highest-numbered reported vote).",
		script: crashAfterPhase2a,
	},
	{
		Name:    "dueling-proposers",
		Summary: "two proposers preempt each other's ballots with nacks, then one wins",
		Doc: "Proposers 3 and 4 both want their value. Each higher ballot's promises " +
			"make the acceptors refuse the lower ballot's 2a with a nack; the nacked " +
			"proposer retries above the ballot it heard of. This can go on forever " +
			"(the FLP livelock); here proposer 3's ballot 2.0 runs uncontested and x " +
			"is chosen.",
		script: dueling,
	},
	{
		Name:    "acceptor-crash-restart",
		Summary: "an acceptor crashes after promising and restarts from stable storage; still safe",
		Doc: "Acceptor 0 promises ballot 1.1 to proposer 4, crashes and restarts. " +
			"Its promise was persisted before its 1b left, so when proposer 3's " +
			"lower ballot 1.0 arrives it refuses with a nack; proposer 3 never " +
			"gets a quorum and only y is chosen.",
		script: crashRestart,
	},
	{
		Name:    "promise-not-persisted",
		Summary: "the same schedule with promise-not-persisted: a forgotten promise lets two values be chosen",
		Doc: "The schedule of acceptor-crash-restart with the promise-not-persisted " +
			"bug: acceptor 0 held its promise of 1.1 only in memory, restarts " +
			"with none, and promises the lower ballot 1.0 too. x is chosen at 1.0 " +
			"by acceptors 0 and 2, then y at 1.1 by acceptors 0 and 1. The 1b " +
			"acceptor 0 sent for 1.1 is above its promise from the moment of the " +
			"crash: Msg1bInv fails there, before anything visible goes wrong.",
		Bugs:   paxos.Bugs(paxos.BugPromiseNotPersisted),
		Unsafe: true,
		script: crashRestart,
	},
	{
		Name:    "skip-prepare",
		Summary: "proposers skip phase 1 (skip-prepare bug): a chosen value is overwritten",
		Doc: "With the skip-prepare bug a proposer's timeout sends 2a with its own " +
			"value straight away. Proposer 3 gets x chosen at ballot 1.0 by " +
			"acceptors 0 and 1 and learned. Proposer 4 then sends 2a y at the " +
			"higher ballot 1.1 without asking anyone what was accepted, and the " +
			"acceptors, having promised nothing higher, vote y: y is chosen too. " +
			"Msg2aInv fails the moment that 2a is sent: y is not safe at 1.1.",
		Bugs:   paxos.Bugs(paxos.BugSkipPrepare),
		Unsafe: true,
		script: skipPrepare,
	},
}

// Names returns the scenario names in order.
func Names() []string {
	out := make([]string, len(All))
	for i, s := range All {
		out[i] = s.Name
	}
	return out
}

// Get returns the scenario called name.
func Get(name string) (Scenario, error) {
	for _, s := range All {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("%w %q (have %s)", ErrUnknown, name, strings.Join(Names(), ", "))
}

// Setup is the cluster every scenario runs on: world.DefaultSetup (acceptors
// 0, 1, 2; proposers 3, 4; learner 5; client 0 proposes x at proposer 3,
// client 1 proposes y at proposer 4) with the scenario's bugs.
func (sc *Scenario) Setup() world.Setup {
	s := world.DefaultSetup()
	s.Config.Bugs = sc.Bugs
	s.Unbounded = true
	s.MidStepCrash = true
	return s
}

// Run plays the scenario and returns its trace (source "scenario"). The
// first invariant violation, if any, is in the header; the run goes on
// after it so that the trace shows the consequence, not only the cause.
func (sc *Scenario) Run() (paxostrace.Trace, error) {
	s := sc.Setup()
	rec, err := world.NewRecorder(&s)
	if err != nil {
		return paxostrace.Trace{}, err
	}
	r := &runner{rec: rec}
	if v := invariant.CheckWorld(&s, &rec.State, 0); v != nil {
		r.viol = v
	}
	sc.script(r)
	if r.err != nil {
		return paxostrace.Trace{}, fmt.Errorf("scenario %s: %w", sc.Name, r.err)
	}
	t := rec.Trace("scenario")
	if r.viol != nil {
		t.Header.Violation = &paxostrace.Violation{Invariant: r.viol.Invariant, Step: r.viol.Step, Detail: r.viol.Detail}
	}
	return t, nil
}

// runner applies a script's actions, stopping at the first error (a
// scripted action that is not enabled is a bug in the script) and
// checking the invariants after every step.
type runner struct {
	rec  *world.Recorder
	err  error
	viol *invariant.Violation
}

func (r *runner) apply(a world.Action) {
	if r.err != nil {
		return
	}
	if _, err := r.rec.Apply(a); err != nil {
		r.err = fmt.Errorf("step %d: %s: %w", len(r.rec.Steps)+1, a, err)
		return
	}
	if r.viol == nil {
		r.viol = invariant.CheckWorld(r.rec.Setup, &r.rec.State, len(r.rec.Steps))
	}
}

// find returns the first message in flight of type t from from to to.
func (r *runner) find(t paxos.MsgType, from, to paxos.NodeID) (paxos.Message, bool) {
	for _, m := range r.rec.State.Net {
		if m.Type == t && m.From == from && m.To == to {
			return m, true
		}
	}
	return paxos.Message{}, false
}

func (r *runner) msgAction(k world.ActionKind, t paxos.MsgType, from, to paxos.NodeID) {
	if r.err != nil {
		return
	}
	m, ok := r.find(t, from, to)
	if !ok {
		r.err = fmt.Errorf("step %d: no %s from %d to %d in flight", len(r.rec.Steps)+1, t, from, to)
		return
	}
	r.apply(world.Action{Kind: k, Node: to, Msg: m})
}

// deliver hands the message of type t from from to to its addressee.
func (r *runner) deliver(t paxos.MsgType, from, to paxos.NodeID) {
	r.msgAction(world.ActDeliver, t, from, to)
}

// drop loses it.
func (r *runner) drop(t paxos.MsgType, from, to paxos.NodeID) {
	r.msgAction(world.ActDrop, t, from, to)
}

// crashWhileHandling delivers it and crashes the addressee after its
// durable write and before its sends.
func (r *runner) crashWhileHandling(t paxos.MsgType, from, to paxos.NodeID) {
	r.msgAction(world.ActCrashMidStep, t, from, to)
}

// deliverEach delivers a message of type t from from to each of tos.
func (r *runner) deliverEach(t paxos.MsgType, from paxos.NodeID, tos ...paxos.NodeID) {
	for _, to := range tos {
		r.deliver(t, from, to)
	}
}

// collect delivers a message of type t from each of froms to to.
func (r *runner) collect(t paxos.MsgType, to paxos.NodeID, froms ...paxos.NodeID) {
	for _, from := range froms {
		r.deliver(t, from, to)
	}
}

// pending delivers to `to` every message in flight to it from each of
// froms, whatever its type: the schedule is fixed, the protocol decides
// what the messages are.
func (r *runner) pending(to paxos.NodeID, froms ...paxos.NodeID) {
	for _, from := range froms {
		for r.err == nil {
			i := slices.IndexFunc(r.rec.State.Net, func(m paxos.Message) bool { return m.From == from && m.To == to })
			if i < 0 {
				break
			}
			m := r.rec.State.Net[i]
			r.apply(world.Action{Kind: world.ActDeliver, Node: to, Msg: m})
		}
	}
}

func (r *runner) invoke(c paxos.ClientID) {
	r.apply(world.Action{Kind: world.ActInvoke, Node: r.rec.Setup.Clients[c].Proposer, Client: c})
}

func (r *runner) timeout(p paxos.NodeID) { r.apply(world.Action{Kind: world.ActTimeout, Node: p}) }
func (r *runner) crash(n paxos.NodeID)   { r.apply(world.Action{Kind: world.ActCrash, Node: n}) }
func (r *runner) restart(n paxos.NodeID) { r.apply(world.Action{Kind: world.ActRestart, Node: n}) }

// drain delivers every message in flight to a live node, oldest-sorted
// first, until none is left: the quiet end of a run where nothing fails.
func (r *runner) drain() {
	for r.err == nil {
		i := slices.IndexFunc(r.rec.State.Net, func(m paxos.Message) bool {
			n := r.rec.State.Node(m.To)
			return n != nil && !n.Crashed
		})
		if i < 0 {
			return
		}
		m := r.rec.State.Net[i]
		r.apply(world.Action{Kind: world.ActDeliver, Node: m.To, Msg: m})
	}
}

// The nodes of world.DefaultSetup, named for the scripts.
const (
	a0, a1, a2 paxos.NodeID = 0, 1, 2
	p3, p4     paxos.NodeID = 3, 4
	l5         paxos.NodeID = 5
)

const (
	m1a     = paxos.Msg1a
	m1b     = paxos.Msg1b
	m2a     = paxos.Msg2a
	m2b     = paxos.Msg2b
	nack    = paxos.MsgNack
	decided = paxos.MsgDecided
)

func normal(r *runner) {
	r.invoke(0)
	r.timeout(p3)
	r.deliverEach(m1a, p3, a0, a1, a2)
	r.collect(m1b, p3, a0, a1) // a quorum: 2a x leaves
	r.deliverEach(m2a, p3, a0, a1, a2)
	r.collect(m2b, l5, a0, a1) // a quorum of votes: x learned
	r.deliver(decided, l5, p3)
	r.drain()
}

func crashAfterPhase1(r *runner) {
	r.invoke(0)
	r.invoke(1)
	r.timeout(p3)
	r.deliverEach(m1a, p3, a0, a1, a2)
	r.deliver(m1b, a0, p3)
	r.crashWhileHandling(m1b, a1, p3) // the quorum's 1b: no 2a ever leaves
	r.timeout(p4)
	r.deliverEach(m1a, p4, a0, a1, a2)
	r.collect(m1b, p4, a1, a2) // no votes reported: p4 proposes its own y
	r.deliverEach(m2a, p4, a0, a1, a2)
	r.collect(m2b, l5, a0, a1)
	r.drain()
}

func crashAfterPhase2a(r *runner) {
	r.invoke(0)
	r.invoke(1)
	r.timeout(p3)
	r.deliverEach(m1a, p3, a0, a1, a2)
	r.collect(m1b, p3, a0, a1)
	r.deliver(m2a, p3, a0) // a minority votes x
	r.drop(m2a, p3, a1)
	r.drop(m2a, p3, a2)
	r.crash(p3)
	r.deliver(m2b, a0, l5) // one vote: nothing learned yet
	r.timeout(p4)
	r.deliverEach(m1a, p4, a0, a1, a2)
	r.collect(m1b, p4, a0, a1) // a0 reports (1.0, x): p4 must propose x
	r.deliverEach(m2a, p4, a0, a1, a2)
	r.drain()
}

func dueling(r *runner) {
	r.invoke(0)
	r.invoke(1)
	r.timeout(p3) // ballot 1.0
	r.deliverEach(m1a, p3, a0, a1, a2)
	r.collect(m1b, p3, a0, a1) // 2a x at 1.0 leaves
	r.timeout(p4)              // ballot 1.1
	r.deliverEach(m1a, p4, a0, a1, a2)
	r.deliverEach(m2a, p3, a0, a1, a2) // refused: 1.0 < promised 1.1
	r.collect(nack, p3, a0, a1, a2)
	r.collect(m1b, p4, a0, a1) // 2a y at 1.1 leaves
	r.timeout(p3)              // ballot 2.0, above the 1.1 it heard of
	r.deliverEach(m1a, p3, a0, a1, a2)
	r.deliverEach(m2a, p4, a0, a1, a2) // refused: 1.1 < promised 2.0
	r.collect(nack, p4, a0, a1, a2)
	r.collect(m1b, p3, a0, a1) // no votes anywhere: x at 2.0
	r.deliverEach(m2a, p3, a0, a1, a2)
	r.collect(m2b, l5, a0, a1)
	r.drain()
}

// crashRestart is the schedule of acceptor-crash-restart and of
// promise-not-persisted: the same deliveries, crashes and restarts; only
// what the acceptors answer differs. Proposer 4 gets promises for 1.1 from
// acceptors 0 and 1 and sends 2a y. Acceptor 0 crashes and restarts. Then
// proposer 3's 1a for the lower ballot 1.0 reaches acceptors 0 and 2. With
// a durable promise acceptor 0 refuses it (nack) and only y is chosen;
// without one it promises 1.0 as well, and x and y are both chosen.
func crashRestart(r *runner) {
	r.invoke(0)
	r.invoke(1)
	r.timeout(p4) // ballot 1.1
	r.deliverEach(m1a, p4, a0, a1)
	r.collect(m1b, p4, a0, a1) // 2a y at 1.1 leaves
	r.crash(a0)
	r.restart(a0)
	r.timeout(p3) // ballot 1.0, below a0's promise if a0 kept it
	r.deliverEach(m1a, p3, a0, a2)
	r.pending(p3, a0, a2) // a0 answers nack b=1.1, or (bug) 1b b=1.0
	r.pending(a0, p3)     // so 2a x reaches a0 and a2 only if a0 promised
	r.pending(a2, p3)
	r.pending(l5, a0, a2)          // x's votes, if any, reach the learner
	r.deliverEach(m2a, p4, a0, a1) // y chosen at 1.1
	r.pending(l5, a0, a1)
	r.drain()
}

func skipPrepare(r *runner) {
	r.invoke(0)
	r.invoke(1)
	r.timeout(p3)                      // 2a x at 1.0, no phase 1
	r.deliverEach(m2a, p3, a0, a1)     // x chosen at 1.0
	r.collect(m2b, l5, a0, a1)         // and learned
	r.timeout(p4)                      // 2a y at 1.1, no phase 1
	r.deliverEach(m2a, p4, a0, a1, a2) // y chosen at 1.1
	r.drain()
}
