package mpvalidate

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpmodel"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpscenario"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/sim"
	"github.com/paxoscheck/paxoscheck/checker/tlc/tlctest"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

const counterexampleDir = "../../../traces/counterexamples/multipaxos"

// keep is TLCVALIDATE_KEEP: a folder for TLC's inputs and outputs, for a
// look by hand.
func keep() string { return os.Getenv("TLCVALIDATE_KEEP") }

func validate(t *testing.T, ts []*mptrace.Trace, o Options) []Result {
	t.Helper()
	rs, err := Validate(context.Background(), tlctest.Jar(t), ts, o)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func rejection(r Result, np int) string {
	if r.Accepted {
		return "accepted"
	}
	return "rejected at step " + strconv.Itoa(r.Entry.Step) + " (" + r.Entry.Event + "): " + r.Entry.Describe(np) + "; spec state: " + r.State
}

// TestScenariosValidate: every Multi-Paxos scenario's trace is a
// behaviour of its spec (the stale read's of correct Multi-Paxos: a read
// answered outside the log is nothing the spec sees).
func TestScenariosValidate(t *testing.T) {
	var ts []*mptrace.Trace
	for _, sc := range mpscenario.All {
		tr, err := sc.Run()
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, &tr)
	}
	for i, r := range validate(t, ts, Options{Workers: 2, Keep: keep()}) {
		if !r.Accepted {
			t.Errorf("%s (%s): %s", mpscenario.All[i].Name, r.Variant, rejection(r, len(ts[i].Header.Proposers)))
		}
	}
}

// unwritten are the bugs whose counterexamples no spec here follows: an
// acceptor that changes its state without a durable write, which the
// trace's mapping (entries.go) refuses, since MultiPaxos.tla has no crash
// to lose that state in. The correct spec rejects them where the bug acts
// (TestCounterexamplesRejectedWhereTheBugActs).
var unwritten = []string{mp.BugPromiseNotPersisted.String(), mp.BugAcceptNotPersisted.String()}

// TestCounterexamplesValidate: every checked-in counterexample is a
// behaviour of its bug's spec (but those of the unwritten bugs).
func TestCounterexamplesValidate(t *testing.T) {
	ts, names := counterexamples(t)
	for i, r := range validate(t, ts, Options{Workers: 2, Keep: keep()}) {
		if slices.Contains(unwritten, names[i]) {
			if r.Accepted {
				t.Errorf("%s: accepted, though its acceptor changes state without writing it", names[i])
			}
			continue
		}
		if !r.Accepted {
			t.Errorf("%s (%s): %s", names[i], r.Variant, rejection(r, len(ts[i].Header.Proposers)))
		}
		if names[i] != mp.BugStaleRead.String() && r.Variant.String() == Correct.String() {
			t.Errorf("%s: followed by correct Multi-Paxos as its own spec", names[i])
		}
	}
}

// counterexamples are the checked-in counterexamples and their bugs' names.
func counterexamples(t *testing.T) (ts []*mptrace.Trace, names []string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(counterexampleDir, "*.jsonl"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no counterexamples in %s: %v", counterexampleDir, err)
	}
	for _, p := range paths {
		tr, err := mptrace.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, &tr)
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".jsonl"))
	}
	return ts, names
}

// TestCounterexamplesRejectedWhereTheBugActs: correct Multi-Paxos rejects
// every counterexample but the stale read's (a read answered outside the
// log, which only linearizability catches) at the spec action the bug
// breaks; where that action is the first step the correct code would not
// take (a replay with the bugs off diverges there), at that very step.
// Two bugs act first where the spec allows it: no-hole-fill leaves a hole
// unfilled (the spec never makes a leader fill one), no-dedup takes a
// retry to the log again; both are caught where a replica applies. The
// persistence bugs are caught at the 1b or 2b sent without a write.
func TestCounterexamplesRejectedWhereTheBugActs(t *testing.T) {
	want := map[string]struct {
		kind      string // the spec action the correct spec cannot take; "" accepted
		divergent bool   // the rejected step is the correct code's first divergence
	}{
		"skip-phase1":           {KindPhase2a, true},
		"adopt-lowest-vote":     {KindPhase2a, true},
		"per-slot-promise":      {KindPhase2b, true},
		"apply-before-chosen":   {KindApply, true},
		"no-hole-fill":          {KindApply, false},
		"no-dedup":              {KindApply, false},
		"stale-read":            {"", false},
		"promise-not-persisted": {KindPhase1b, true},
		"accept-not-persisted":  {KindPhase2b, true},
	}
	ts, names := counterexamples(t)
	if len(ts) != len(want) {
		t.Fatalf("%d counterexamples, want one of each of %d bugs", len(ts), len(want))
	}
	rs := validate(t, ts, Options{Workers: 2, Correct: true, Keep: keep()})
	for i, r := range rs {
		name := names[i]
		w, ok := want[name]
		switch {
		case !ok:
			t.Errorf("%s: no expectation", name)
			continue
		case w.kind == "":
			if !r.Accepted {
				t.Errorf("%s: %s", name, rejection(r, len(ts[i].Header.Proposers)))
			}
			continue
		case r.Accepted:
			t.Errorf("%s: accepted by correct Multi-Paxos", name)
			continue
		}
		np := len(ts[i].Header.Proposers)
		if r.Entry.Kind != w.kind {
			t.Errorf("%s: %s; want it rejected at a %s", name, rejection(r, np), w.kind)
		}
		fixed := *ts[i]
		fixed.Header.Bugs = nil
		v, err := mpmodel.Check(&fixed, replay.Options{})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case v.Divergence == nil:
			t.Errorf("%s: the correct code produces this trace", name)
		case w.divergent && r.Entry.Step != v.Divergence.Step || r.Entry.Step < v.Divergence.Step:
			t.Errorf("%s: rejected at step %d, but the correct code diverges at step %d (%s)", name, r.Entry.Step, v.Divergence.Step, v.Divergence.Field)
		}
		if !strings.Contains(r.State, "msgs {") || !strings.Contains(r.State, "replica ") {
			t.Errorf("%s: no spec state in the report: %q", name, r.State)
		}
		t.Logf("%s: %s", name, rejection(r, np))
	}
}

// simulated returns n simulated runs of s's code (3 acceptors, 2
// proposers with a pipeline of 2, 2 sessions of 6 commands on 2 keys,
// every fault: drops, duplicates, crashes of any node, mid-step crashes),
// seeds 1..n.
func simulated(t testing.TB, n int, bugs mp.Bugs) []*mptrace.Trace {
	t.Helper()
	c := mp.NewConfig(3, 2, 2)
	s := mpworld.NewSetup(3, 2, 2, mpworld.Workload(&c, 2, 6, 2))
	s.Config.Bugs = bugs
	s.Budget = graph.Budget{Drops: 6, Dups: 6, Crashes: 2}
	s.MidStepCrash = true
	sm, err := sim.New(mpmodel.SimOptions{Model: &mpmodel.Model{Setup: s}, Weights: sim.DefaultWeights(), MaxSteps: 300})
	if err != nil {
		t.Fatal(err)
	}
	var out []*mptrace.Trace
	for seed := uint64(1); seed <= uint64(n); seed++ {
		tr, err := sm.Run(seed).Trace()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &tr)
	}
	return out
}

// TestSimulatedValidate: 200 simulated runs of the correct code with
// every fault are behaviours of the spec. Among them are the steps that
// need more than one spec action, and those the spec does not see: the
// test checks that they occur, so that the pass covers them.
func TestSimulatedValidate(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 40
	}
	ts := simulated(t, runs, 0)
	seen := map[string]int{}
	for _, tr := range ts {
		log, err := Entries(tr)
		if err != nil {
			t.Fatal(err)
		}
		per := map[int]int{}
		for _, e := range log {
			per[e.Step]++
			switch {
			case e.Lost:
				seen["a mid-step crash's lost messages"]++
			case strings.Contains(e.Rep, "#"):
				seen["a replica after its proposer's crash"]++
			case e.Kind == KindApply && !e.Effect:
				seen["an applied slot of no effect"]++
			}
		}
		for _, s := range tr.Steps {
			switch s.Action {
			case mptrace.EvNack, mptrace.EvDecided:
				seen["a Go-only message"]++
			}
			if per[s.Step] > 1 {
				seen["a step of several spec actions"]++
			}
		}
	}
	for _, what := range []string{"a mid-step crash's lost messages", "a replica after its proposer's crash", "an applied slot of no effect", "a Go-only message", "a step of several spec actions"} {
		if seen[what] == 0 {
			t.Errorf("no run has %s: the sample does not cover it", what)
		}
	}
	for i, r := range validate(t, ts, Options{Workers: 2, Keep: keep()}) {
		if !r.Accepted {
			t.Errorf("seed %d: %s", i+1, rejection(r, len(ts[i].Header.Proposers)))
		}
	}
	t.Logf("%d runs; %v", len(ts), seen)
}

// TestVoteBelowPromiseRejected: a trace edited so that an acceptor votes
// in a ballot below its promise (where the code sent a nack) is rejected
// at that step, with a spec state in which the promise is above the
// vote. The dueling-leaders scenario has such a nack.
func TestVoteBelowPromiseRejected(t *testing.T) {
	sc, err := mpscenario.Get("dueling-leaders")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := sc.Run()
	if err != nil {
		t.Fatal(err)
	}
	at := -1
	for i, s := range tr.Steps {
		if s.Action == mptrace.EvPhase2b && len(s.Sent) == 1 && s.Sent[0].Type == mp.MsgNack {
			at = i
			break
		}
	}
	if at < 0 {
		t.Fatal("no 2a is nacked in the scenario")
	}
	s := &tr.Steps[at]
	m := s.Msg.Message
	// The edit: the acceptor votes instead, and writes its vote down.
	var votes []mp.SlotVote
	for _, p := range tr.Steps[:at] {
		if p.Node == s.Node && p.Persist != nil {
			votes = p.Persist.Votes
		}
	}
	promise := s.Sent[0].Bal
	votes = append(slices.DeleteFunc(slices.Clone(votes), func(v mp.SlotVote) bool { return v.Slot == m.Slot }),
		mp.SlotVote{Slot: m.Slot, Vote: mp.Vote{Bal: m.Bal, Cmd: m.Cmd}})
	slices.SortFunc(votes, func(a, b mp.SlotVote) int { return cmp.Compare(a.Slot, b.Slot) })
	s.Persist = &mp.Durable{MaxBal: promise, Votes: votes}
	s.Sent = []mptrace.Msg{{ID: 10000, Message: mp.Message{Type: mp.Msg2b, From: s.Node, To: m.From, Bal: m.Bal, Slot: m.Slot, Cmd: m.Cmd}}}
	tr.Steps = tr.Steps[:at+1]
	if err := mptrace.Validate(&tr); err != nil {
		t.Fatalf("the edited trace is not well formed: %v", err)
	}
	r := validate(t, []*mptrace.Trace{&tr}, Options{Keep: keep()})[0]
	np := len(tr.Header.Proposers)
	if r.Accepted || r.Entry.Step != s.Step || r.Entry.Kind != KindPhase2b {
		t.Fatalf("%s; want it rejected at step %d, the edited vote", rejection(r, np), s.Step)
	}
	acc := mptrace.NodeName(mp.RoleAcceptor, s.Node)
	if want := acc + " maxBal=" + promise.String(); !strings.Contains(r.State, want) {
		t.Errorf("the spec state does not show the promise (%q): %s", want, r.State)
	}
	t.Logf("%s", rejection(r, np))
}
