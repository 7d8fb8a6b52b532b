package explore_test

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
)

// The explorer is generic: these tests run it on the toy protocol of
// graphtest, which is not Paxos, and compare it with graphtest's own
// breadth-first enumeration of the toy's graph.

type (
	tid     = graphtest.ToyID
	tclient = graphtest.ToyClient
	tnode   = graphtest.ToyNode
	tmsg    = graphtest.ToyMsg
	teff    = graphtest.ToyEffects
	tstate  = graph.State[tid, tnode, tmsg, uint8]
	tproto  = graph.Protocol[tid, tclient, tnode, tmsg, uint8, teff]
	topts   = explore.Options[tid, tclient, tnode, tmsg, uint8, teff]
	tred    = explore.Reduction[tid, tclient, tnode, tmsg, uint8, teff]
	thasher = explore.Hasher[tid, tclient, tnode, tmsg, uint8, teff]
)

// model is the toy as the explorer searches it. Its invariant bad (nil:
// none) fails where it returns a detail; a value counts as chosen once a
// ping was sent (never, with neverChosen).
type model struct {
	tproto
	bad         func(st *tstate) string
	neverChosen bool
}

func (m *model) NewChecker() graph.Checker[tid, tnode, tmsg, uint8] { return &checker{m: m} }
func (m *model) AllLearned() uint64                                 { return 1 }

type checker struct {
	m      *model
	chosen bool
}

func (c *checker) Check(st *tstate, step int) *graph.Violation {
	c.chosen = !c.m.neverChosen && len(st.Sent) > 0
	if c.m.bad != nil {
		if d := c.m.bad(st); d != "" {
			return &graph.Violation{Invariant: "Bad", Step: step, Detail: d}
		}
	}
	return nil
}

func (c *checker) AnyChosen() bool { return c.chosen }

// faultOptions are the toy's graph options the tests go through.
var faultOptions = []graph.Options[tid]{
	{},
	{Budget: graph.Budget{Drops: 1, Dups: 1, Crashes: 1}},
	{Budget: graph.Budget{Drops: 2, Dups: 1, Crashes: 2}, MidStepCrash: true},
	{SetNetwork: true, Budget: graph.Budget{Crashes: 1}},
}

func run(t *testing.T, m *model, o topts) *explore.Result[tid, tclient, tmsg] {
	t.Helper()
	r, err := explore.Run[tid, tclient, tnode, tmsg, uint8, teff](m, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCountsEveryState: with no reduction, every search (breadth-first on
// one or two workers, depth-first) stores exactly the states graphtest
// enumerates, and passes.
func TestCountsEveryState(t *testing.T) {
	for _, o := range faultOptions {
		p := &graphtest.Toy{Opt: o}
		want, _ := graphtest.Conformance[tid, tclient, tnode, tmsg, uint8, teff](t, p, 1<<20)
		for _, eo := range []topts{{Workers: 1}, {Workers: 2}, {DFS: true}, {Workers: 2, VerifyFingerprints: true}} {
			r := run(t, &model{tproto: p}, eo)
			if r.Distinct != int64(want) || !r.Complete || r.Err() != nil {
				t.Errorf("%+v, %+v: %d states (complete %v, verdict %v), graphtest enumerates %d",
					o, eo, r.Distinct, r.Complete, r.Err(), want)
			}
			if !r.Chosen || !r.AllLearned {
				t.Errorf("%+v: sometimes not reached: chosen %v, all learned %v", o, r.Chosen, r.AllLearned)
			}
		}
	}
}

// replay applies path from the initial state and returns where it ends.
func replay(t *testing.T, p tproto, path []graph.Action[tid, tclient, tmsg]) tstate {
	t.Helper()
	st, err := graph.Init(p)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range path {
		if _, err := graph.Apply(p, &st, a); err != nil {
			t.Fatalf("step %d (%s): %v", i+1, a, err)
		}
	}
	return st
}

// TestViolationShortest: a planted invariant (at most one ping) fails; the
// breadth-first counterexample is the shortest (invoke, timeout, timeout)
// whatever the workers, the depth-first one is a real path too, and both
// replay to a violating state.
func TestViolationShortest(t *testing.T) {
	bad := func(st *tstate) string {
		if st.Nodes[0].Count >= 2 {
			return fmt.Sprintf("%d pings", st.Nodes[0].Count)
		}
		return ""
	}
	for _, o := range faultOptions {
		p := &graphtest.Toy{Opt: o}
		for _, eo := range []topts{{Workers: 1}, {Workers: 2}, {DFS: true}} {
			r := run(t, &model{tproto: p, bad: bad}, eo)
			if !errors.Is(r.Err(), explore.ErrViolation) || r.Violation.Invariant != "Bad" {
				t.Fatalf("%+v %+v: verdict %v", o, eo, r.Err())
			}
			if !eo.DFS && len(r.Path) != 3 {
				t.Errorf("%+v %+v: counterexample of %d steps, want 3: %v", o, eo, len(r.Path), r.Path)
			}
			if end := replay(t, p, r.Path); bad(&end) == "" {
				t.Errorf("%+v %+v: the counterexample %v does not end in a violation", o, eo, r.Path)
			}
		}
	}
}

// TestVacuous: a complete search that never reaches a chosen value fails
// as vacuous; cut short, it gives no verdict and says why.
func TestVacuous(t *testing.T) {
	m := &model{tproto: &graphtest.Toy{}, neverChosen: true}
	if r := run(t, m, topts{}); !errors.Is(r.Err(), explore.ErrVacuous) {
		t.Fatalf("verdict %v, want vacuous", r.Err())
	}
	r := run(t, m, topts{MaxStates: 3})
	if r.Err() != nil || r.Complete || r.Stopped != "max-states" || r.Distinct != 3 {
		t.Fatalf("max states 3: verdict %v, complete %v, stopped %q, %d states", r.Err(), r.Complete, r.Stopped, r.Distinct)
	}
	r = run(t, m, topts{MaxDepth: 1})
	if r.Err() != nil || r.Complete || r.Stopped != "max-depth" {
		t.Fatalf("max depth 1: verdict %v, complete %v, stopped %q", r.Err(), r.Complete, r.Stopped)
	}
}

// TestInterrupt: a closed Interrupt stops the search (breadth-first and
// depth-first), incomplete, with no verdict and the reason; an open one
// changes nothing.
func TestInterrupt(t *testing.T) {
	m := &model{tproto: &graphtest.Toy{}}
	full := run(t, m, topts{})
	stop := make(chan struct{})
	if r := run(t, m, topts{Interrupt: stop}); !r.Complete || r.Distinct != full.Distinct {
		t.Fatalf("never interrupted: complete %v, %d states, want %d", r.Complete, r.Distinct, full.Distinct)
	}
	close(stop)
	for _, dfs := range []bool{false, true} {
		r := run(t, m, topts{Interrupt: stop, DFS: dfs})
		if r.Err() != nil || r.Complete || r.Stopped != "interrupted" || r.Distinct >= full.Distinct {
			t.Errorf("dfs %v, interrupted: verdict %v, complete %v, stopped %q, %d of %d states", dfs, r.Err(), r.Complete, r.Stopped, r.Distinct, full.Distinct)
		}
	}
}

// silent is the toy whose request arms no timer: its client waits for
// ever, a deadlock of the protocol.
type silent struct{ *graphtest.Toy }

func (s silent) Step(n *tnode, in graph.Input[tclient, tmsg, uint8], next *tnode) (teff, graph.Common[tmsg, uint8], error) {
	e, c, err := s.Toy.Step(n, in, next)
	if in.Kind == graph.InRequest {
		e.Timer, c.Timer = graph.TimerKeep, graph.TimerKeep
	}
	return e, c, err
}

// TestDeadlocks: a client left waiting with nothing enabled is a
// deadlock, an error with DeadlockIsError, with a path to it; a pong
// dropped after the last ping the bound allows is a bound artefact (the
// pinger's timer is armed, it would take the timeout, the bound forbids
// it), counted and never an error.
func TestDeadlocks(t *testing.T) {
	m := &model{tproto: silent{&graphtest.Toy{}}, neverChosen: true}
	r := run(t, m, topts{DeadlockIsError: true})
	if !errors.Is(r.Err(), explore.ErrDeadlock) || r.Deadlock.Waiting != graph.ClientSet(0) || len(r.Path) != 1 {
		t.Fatalf("verdict %v, path %v", r.Err(), r.Path)
	}
	m = &model{tproto: &graphtest.Toy{Opt: graph.Options[tid]{Budget: graph.Budget{Drops: 2}}}}
	r = run(t, m, topts{DeadlockIsError: true})
	if r.Err() != nil || r.BoundDeadlocks == 0 || r.Deadlocks != 0 {
		t.Fatalf("verdict %v, %d deadlocks, %d bound artefacts", r.Err(), r.Deadlocks, r.BoundDeadlocks)
	}
}

// refuter is a reduction whose one hypothesis ("never") the code refutes
// at the first level's end: the search must start again without it and
// report the refutation, with the counts of the search without it.
type refuter struct {
	tred
	on bool
	// stubborn: Without keeps the refuted hypothesis.
	stubborn bool
	calls    *atomic.Int64
}

func (r refuter) Certify(hs []thasher) (*explore.Refutation, bool) {
	r.calls.Add(1)
	if r.on {
		return &explore.Refutation{Hint: "never", Detail: "refuted by the test", Mask: 1}, false
	}
	return nil, false
}

func (r refuter) Without(ref *explore.Refutation) tred {
	if ref.Mask != 1 {
		panic("wrong refutation")
	}
	if r.stubborn {
		return r
	}
	return refuter{tred: r.tred, calls: r.calls}
}

func (r refuter) Describe() explore.Reduced {
	if r.on {
		return explore.Reduced{Hints: []string{"never"}}
	}
	return explore.Reduced{}
}

func TestRefutedHypothesisRestarts(t *testing.T) {
	p := &graphtest.Toy{Opt: faultOptions[1]}
	m := &model{tproto: p}
	want := run(t, m, topts{})
	var calls atomic.Int64
	r := run(t, m, topts{Reduction: refuter{tred: explore.Exact[tid, tclient, tnode, tmsg, uint8, teff](p), on: true, calls: &calls}})
	if r.Restarts != 1 || len(r.Refuted) != 1 || r.Refuted[0].Hint != "never" || len(r.Hints) != 0 {
		t.Fatalf("refuted %v, %d restarts, hints in force %v", r.Refuted, r.Restarts, r.Hints)
	}
	if r.Distinct != want.Distinct || r.Transitions != want.Transitions || calls.Load() < 2 {
		t.Fatalf("%d states, %d transitions after the restart (%d certifications), want %d, %d",
			r.Distinct, r.Transitions, calls.Load(), want.Distinct, want.Transitions)
	}
	// A reduction that keeps what was refuted is an error, not an
	// endless restart.
	stubborn := refuter{tred: explore.Exact[tid, tclient, tnode, tmsg, uint8, teff](p), on: true, stubborn: true, calls: &calls}
	if _, err := explore.Run[tid, tclient, tnode, tmsg, uint8, teff](m, topts{Reduction: stubborn}); err == nil || !strings.Contains(err.Error(), "kept the hypothesis") {
		t.Fatalf("a stubborn reduction: %v", err)
	}
}

// TestRefusesUnbounded: a graph without bounds (a replay's options) is
// refused before any work.
func TestRefusesUnbounded(t *testing.T) {
	p := &graphtest.Toy{Opt: graph.Options[tid]{Unbounded: true}}
	_, err := explore.Run[tid, tclient, tnode, tmsg, uint8, teff](&model{tproto: p}, topts{})
	if !errors.Is(err, explore.ErrOptions) || !strings.Contains(err.Error(), "unbounded") {
		t.Fatalf("err %v", err)
	}
}
