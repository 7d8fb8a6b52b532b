package tlcvalidate

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/paxos/scenario"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/tlc/tlctest"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

func scenarioTraces(t testing.TB) map[string]*paxostrace.Trace {
	t.Helper()
	out := map[string]*paxostrace.Trace{}
	for _, sc := range scenario.All {
		tr, err := sc.Run()
		if err != nil {
			t.Fatal(err)
		}
		out[sc.Name] = &tr
	}
	return out
}

func TestScenariosValidate(t *testing.T) {
	jar := tlctest.Jar(t)
	scs := scenarioTraces(t)
	var names []string
	var ts []*paxostrace.Trace
	for n, tr := range scs {
		names = append(names, n)
		ts = append(ts, tr)
	}
	rs, err := Validate(context.Background(), jar, ts, Options{Workers: 2, Keep: os.Getenv("TLCVALIDATE_KEEP")})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if !r.Accepted {
			t.Errorf("%s (%s): rejected at step %d (%s): %s; spec state: %s", names[i], r.Variant, r.Entry.Step, r.Entry.Event, r.Entry.Describe(len(ts[i].Header.Proposers)), r.State)
		}
	}
}

// simulated returns n simulated runs of the correct code with every fault
// on (the simulator's defaults: drops, duplicates, crashes of any node,
// mid-step crashes), seeds 1..n.
func simulated(t testing.TB, n int, bugs paxos.Bugs) []*paxostrace.Trace {
	t.Helper()
	o := paxosmodel.DefaultSimOptions()
	paxosmodel.SetupOf(&o).Config.Bugs = bugs
	s, err := paxosmodel.NewSim(o)
	if err != nil {
		t.Fatal(err)
	}
	var out []*paxostrace.Trace
	for seed := uint64(1); seed <= uint64(n); seed++ {
		tr, err := s.Run(seed).Trace()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &tr)
	}
	return out
}

// TestSimulatedTracesValidate: 200 simulated runs with every fault are
// behaviours of the spec, in one TLC run; among them are Go-only events
// (nack, Return, drops, duplicates, restarts), which are stuttering steps.
func TestSimulatedTracesValidate(t *testing.T) {
	jar := tlctest.Jar(t)
	ts := simulated(t, 200, 0)
	events := map[string]int{}
	for _, tr := range ts {
		for _, s := range tr.Steps {
			events[s.Action]++
		}
	}
	for _, ev := range []string{paxostrace.EvNack, paxostrace.EvReturn, paxostrace.EvDrop, paxostrace.EvDuplicate, paxostrace.EvCrash, paxostrace.EvRestart} {
		if events[ev] == 0 {
			t.Errorf("no %s in 200 runs: the sample does not show what it should", ev)
		}
	}
	rs, err := Validate(context.Background(), jar, ts, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if !r.Accepted {
			t.Errorf("seed %d: rejected at step %d (%s): needs %s; spec state: %s", i+1, r.Entry.Step, r.Entry.Event, r.Entry.Describe(len(ts[i].Header.Proposers)), r.State)
		}
	}
}

// TestCounterexamplesRejectedWhereTheBugActs: every checked-in
// counterexample is accepted by the spec of its bug and rejected by
// correct Paxos at the step where the bug acts, which the code itself
// says: the first step where the correct code (the trace replayed with
// its bugs switched off) does something else.
func TestCounterexamplesRejectedWhereTheBugActs(t *testing.T) {
	jar := tlctest.Jar(t)
	files, err := filepath.Glob("../../../traces/counterexamples/*.jsonl")
	if err != nil || len(files) < 8 {
		t.Fatalf("%d counterexamples (%v)", len(files), err)
	}
	var ts []*paxostrace.Trace
	for _, f := range files {
		tr, err := paxostrace.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, &tr)
	}
	own, err := Validate(context.Background(), jar, ts, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	correct, err := Validate(context.Background(), jar, ts, Options{Workers: 2, Correct: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		name := filepath.Base(f)
		if !own[i].Accepted {
			t.Errorf("%s: rejected by its own spec (%s) at step %d: needs %s; spec state %s", name, own[i].Variant, own[i].Entry.Step, own[i].Entry.Describe(len(ts[i].Header.Proposers)), own[i].State)
		}
		if own[i].Variant.String() == Correct.String() {
			t.Errorf("%s: followed by correct Paxos as its own spec", name)
		}
		c := correct[i]
		if c.Accepted {
			t.Errorf("%s: accepted by correct Paxos", name)
			continue
		}
		fixed := *ts[i]
		fixed.Header.Bugs = nil
		v, err := paxosmodel.Check(&fixed, replay.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if v.Divergence == nil {
			t.Fatalf("%s: the correct code produces this trace", name)
		}
		if c.Entry.Step != v.Divergence.Step {
			t.Errorf("%s: correct Paxos rejects it at step %d (%s), but the bug acts at step %d (%s)", name, c.Entry.Step, c.Entry.Event, v.Divergence.Step, v.Divergence.Field)
		}
		if c.State == "" || !strings.Contains(c.State, "msgs {") {
			t.Errorf("%s: no spec state in the report: %q", name, c.State)
		}
		t.Logf("%s: rejected by correct Paxos at step %d (%s): needs %s", name, c.Entry.Step, c.Entry.Event, c.Entry.Describe(len(ts[i].Header.Proposers)))
	}
}

// TestVoteBelowPromiseRejected: a trace edited so that an acceptor votes
// in a ballot below its promise (where the code sent a nack) is rejected
// at that step, with a spec state in which the promise is above the vote.
func TestVoteBelowPromiseRejected(t *testing.T) {
	jar := tlctest.Jar(t)
	tr, at := nackedTwoA(t)
	s := &tr.Steps[at]
	m := s.Msg.Message
	vote := paxos.Message{Type: paxos.Msg2b, From: s.Node, To: tr.Header.Learners[0], Bal: m.Bal, Val: m.Val}
	s.Sent = []paxostrace.Msg{{ID: 10000, Message: vote}}
	// What an acceptor that votes writes: its vote, its promise kept.
	prom := paxos.Ballot{}
	for _, p := range tr.Steps[:at] {
		if p.Node == s.Node && p.Persist != nil {
			prom = p.Persist.MaxBal
		}
	}
	s.Persist = &paxos.Durable{MaxBal: prom, MaxVBal: m.Bal, MaxVal: m.Val}
	rs, err := Validate(context.Background(), jar, []*paxostrace.Trace{&tr}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	np := len(tr.Header.Proposers)
	if r.Accepted || r.Entry.Step != s.Step || r.Entry.Kind != KindPhase2b {
		t.Fatalf("accepted %v, rejected at %+v; want rejected at step %d, a Phase2b", r.Accepted, r.Entry, s.Step)
	}
	acc := paxostrace.NodeName(paxos.RoleAcceptor, s.Node)
	want := acc + " maxBal=" + prom.String()
	if !strings.Contains(r.State, want) {
		t.Errorf("spec state %q does not show %s", r.State, want)
	}
	t.Logf("rejected at step %d: needs %s; spec state: %s", r.Entry.Step, r.Entry.Describe(np), r.State)
}

// nackedTwoA finds, in the simulated runs, a trace where an acceptor
// answers a 2a below its promise with a nack, and that step's index.
func nackedTwoA(t *testing.T) (paxostrace.Trace, int) {
	for _, tr := range simulated(t, 500, 0) {
		for i, s := range tr.Steps {
			if s.Action == paxostrace.EvPhase2b && s.Msg != nil && s.Msg.Type == paxos.Msg2a &&
				len(s.Sent) == 1 && s.Sent[0].Type == paxos.MsgNack && len(tr.Header.Learners) > 0 {
				// Cut the trace after that step: the edit is its last.
				c := *tr
				c.Steps = slices.Clone(tr.Steps[:i+1])
				return c, i
			}
		}
	}
	t.Fatal("no nacked 2a in 500 simulated runs")
	return paxostrace.Trace{}, 0
}
