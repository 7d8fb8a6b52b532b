package paxosmodel

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

const seed = 77

// setup is a small cluster with every fault enabled.
func setup(bugs paxos.Bugs, learners int) world.Setup {
	s := world.NewSetup(3, 2, learners, 3)
	s.Config.Bugs = bugs
	s.Budget = world.Budget{Drops: 2, Dups: 2, Crashes: 2}
	s.MaxRound = 3
	s.MidStepCrash = true
	return s
}

// walk records a random walk of up to n steps and returns its trace, its
// final state, and the first invariant violation met on the way (nil if
// none).
func walkChecked(t testing.TB, s *world.Setup, rng *rand.Rand, n int) (paxostrace.Trace, world.State, *invariant.Violation) {
	t.Helper()
	r, err := world.NewRecorder(s)
	if err != nil {
		t.Fatal(err)
	}
	var first *invariant.Violation
	err = r.Walk(n, rng.IntN, func(step int) {
		if v := invariant.CheckWorld(s, &r.State, step); v != nil && first == nil {
			first = v
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return r.Trace("test"), r.State, first
}

// TestCorrectRunsReplay replays recorded runs of the correct code: each
// replays without divergence to the very state the recorder reached, and
// passes every check.
func TestCorrectRunsReplay(t *testing.T) {
	s := setup(0, 1)
	rng := rand.New(rand.NewPCG(seed, 0))
	for run := 0; run < 150; run++ {
		tr, final, _ := walkChecked(t, &s, rng, 60)
		v, err := Check(&tr, replay.Options{})
		if err != nil {
			t.Fatalf("seed %d run %d: %v", seed, run, err)
		}
		if v.Kind != replay.OK {
			t.Fatalf("seed %d run %d: %s", seed, run, v.Summary())
		}
		r, err := NewReplayer(&tr.Header)
		if err != nil {
			t.Fatal(err)
		}
		for i := range tr.Steps {
			if _, err := r.Step(&tr.Steps[i]); err != nil {
				t.Fatalf("seed %d run %d: %v", seed, run, err)
			}
		}
		got, want := (*world.State)(&r.State).AppendBinary(&s, nil), final.AppendBinary(&s, nil)
		if !bytes.Equal(got, want) {
			t.Fatalf("seed %d run %d: replay ends in a different state than the run", seed, run)
		}
	}
}

// TestBuggyRunsViolate replays runs of buggy code until one breaks an
// invariant, and checks that Check names the invariant and the step the
// run broke it at.
func TestBuggyRunsViolate(t *testing.T) {
	for _, bug := range []paxos.Bug{paxos.BugSkipPrepare, paxos.BugAcceptBelowPromise, paxos.BugIgnorePromisedValue} {
		t.Run(bug.String(), func(t *testing.T) {
			s := setup(paxos.Bugs(bug), 2)
			rng := rand.New(rand.NewPCG(seed, uint64(bug)))
			for run := 0; run < 20000; run++ {
				tr, _, want := walkChecked(t, &s, rng, 60)
				if want == nil {
					continue
				}
				v, err := Check(&tr, replay.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if v.Kind != replay.Violation || v.Violation == nil || v.Violation.Invariant != want.Invariant || v.Violation.Step != want.Step {
					t.Fatalf("seed %d run %d: %s; want violation of %s at step %d", seed, run, v.Summary(), want.Invariant, want.Step)
				}
				return
			}
			t.Fatalf("seed %d: no run of %s broke an invariant", seed, bug)
		})
	}
}

// TestNotLinearizable: a run where clients are told different values is a
// violation even when checked for linearizability alone.
func TestNotLinearizable(t *testing.T) {
	s := setup(paxos.Bugs(paxos.BugSkipPrepare), 2)
	rng := rand.New(rand.NewPCG(seed, 9))
	for run := 0; run < 20000; run++ {
		tr, _, _ := walkChecked(t, &s, rng, 80)
		v, err := Check(&tr, replay.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if v.Linearizability.Verdict == linearize.Illegal {
			if v.Kind != replay.Violation {
				t.Fatalf("seed %d run %d: non-linearizable history gives verdict %s", seed, run, v.Kind)
			}
			if err := v.WriteHTML(t.TempDir() + "/h.html"); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("seed %d: no non-linearizable run", seed)
}

// findStep returns the index of the first step of tr that pred accepts.
func findStep(t *testing.T, tr *paxostrace.Trace, pred func(*paxostrace.Step) bool) int {
	for i := range tr.Steps {
		if pred(&tr.Steps[i]) {
			return i
		}
	}
	t.Fatal("no step to edit")
	return 0
}

// normalRun is a failure-free run of one ballot: invoke, 1a, then always
// the first message in flight, until nothing is.
func normalRun(t *testing.T) paxostrace.Trace {
	s := world.DefaultSetup()
	s.Budget.Dups = 1
	r, err := world.NewRecorder(&s)
	if err != nil {
		t.Fatal(err)
	}
	p := s.Config.Proposers[0]
	do := func(a world.Action) {
		if _, err := r.Apply(a); err != nil {
			t.Fatal(err)
		}
	}
	do(world.Action{Kind: world.ActInvoke, Node: p, Client: 0})
	do(world.Action{Kind: world.ActTimeout, Node: p})
	m := r.State.Net[0]
	do(world.Action{Kind: world.ActDuplicate, Node: m.To, Msg: m})
	for len(r.State.Net) > 0 {
		m := r.State.Net[0]
		do(world.Action{Kind: world.ActDeliver, Node: m.To, Msg: m})
	}
	do(world.Action{Kind: world.ActInvoke, Node: s.Config.Proposers[1], Client: 1})
	return r.Trace("test")
}

// TestDivergence edits one thing in a correct trace and checks that the
// replay reports it at that step and field.
func TestDivergence(t *testing.T) {
	has := func(a string) func(*paxostrace.Step) bool {
		return func(s *paxostrace.Step) bool { return s.Action == a }
	}
	hasSent := func(a string) func(*paxostrace.Step) bool {
		return func(s *paxostrace.Step) bool { return s.Action == a && len(s.Sent) > 0 }
	}
	cases := []struct {
		name  string
		where func(*paxostrace.Step) bool
		edit  func(*paxostrace.Step)
		field string
	}{
		{"1b reports another ballot", hasSent(paxostrace.EvPhase1b), func(s *paxostrace.Step) { s.Sent[0].Bal.Round++ }, "sent[0]"},
		{"2a carries another value", hasSent(paxostrace.EvPhase2a), func(s *paxostrace.Step) { s.Sent[1].Val = "z" }, "sent[1]"},
		{"a 2b is missing", hasSent(paxostrace.EvPhase2b), func(s *paxostrace.Step) { s.Sent = nil }, "sent[0]"},
		{"an extra message", has(paxostrace.EvInvoke), func(s *paxostrace.Step) {
			s.Sent = append(s.Sent, paxostrace.Msg{ID: 999, Message: paxos.Message{Type: paxos.Msg1a, From: 3, To: 0, Bal: paxos.Ballot{Round: 1}}})
		}, "sent[0]"},
		{"a reused id", hasSent(paxostrace.EvPhase1b), func(s *paxostrace.Step) { s.Sent[0].ID = 1 }, "sent[0].id"},
		{"persist differs", has(paxostrace.EvPhase1b), func(s *paxostrace.Step) { s.Persist.MaxBal.Round = 7 }, "persist"},
		{"persist missing", has(paxostrace.EvPhase1a), func(s *paxostrace.Step) { s.Persist = nil }, "persist"},
		{"learned differs", func(s *paxostrace.Step) bool { return s.Learned != "" }, func(s *paxostrace.Step) { s.Learned = "y" }, "learned"},
		{"reply differs", func(s *paxostrace.Step) bool { return len(s.Replies) > 0 }, func(s *paxostrace.Step) { s.Replies[0].Value = "y" }, "replies"},
		{"invoke claims no timer", has(paxostrace.EvInvoke), func(s *paxostrace.Step) { s.Timer = paxos.TimerKeep }, "timer"},
		{"decided claims no cancel", func(s *paxostrace.Step) bool { return s.Timer == paxos.TimerCancel }, func(s *paxostrace.Step) { s.Timer = paxos.TimerKeep }, "timer"},
		{"invoke value", has(paxostrace.EvInvoke), func(s *paxostrace.Step) { s.Value = "q" }, "value"},
		{"delivered at another node", has(paxostrace.EvPhase1b), func(s *paxostrace.Step) { s.Node = 1 }, "node"},
		{"timeout at a node that cannot", has(paxostrace.EvPhase1a), func(s *paxostrace.Step) { s.Node = 4 }, "action"},
		{"unknown msg id", has(paxostrace.EvPhase2b), func(s *paxostrace.Step) { s.Msg.ID = 12345 }, "msg.id"},
		{"msg contents differ from its id's", has(paxostrace.EvPhase2b), func(s *paxostrace.Step) { s.Msg.Val = "y" }, "msg"},
		{"dup_of wrong", has(paxostrace.EvDuplicate), func(s *paxostrace.Step) { s.Sent[0].DupOf = 2 }, "sent[0].dup_of"},
		{"an event that does not handle its message", has(paxostrace.EvPhase2b), func(s *paxostrace.Step) { s.Action = paxostrace.EvLearn }, "action"},
		{"a crash-restart the node cannot do", has(paxostrace.EvPhase1a), func(s *paxostrace.Step) { s.Action = paxostrace.EvRestart }, "action"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := normalRun(t)
			if v, err := Check(&tr, replay.Options{}); err != nil || v.Kind != replay.OK {
				t.Fatalf("unedited trace: %v %s", err, v.Summary())
			}
			i := findStep(t, &tr, tc.where)
			tc.edit(&tr.Steps[i])
			v, err := Check(&tr, replay.Options{})
			if err != nil {
				t.Fatal(err)
			}
			d := v.Divergence
			if v.Kind != replay.Divergent || d == nil {
				t.Fatalf("edited step %d: verdict %s, want divergence", i+1, v.Summary())
			}
			if d.Step != tr.Steps[i].Step || d.Field != tc.field {
				t.Fatalf("divergence %v, want step %d field %s", d, tr.Steps[i].Step, tc.field)
			}
			if v.Replayed != i {
				t.Errorf("replayed %d steps, want %d", v.Replayed, i)
			}
			var de *replay.Divergence
			if _, err := replayAll(&tr); !errors.As(err, &de) || *de != *d {
				t.Errorf("step-by-step replay gives %v, want %v", err, d)
			}
		})
	}
}

func replayAll(tr *paxostrace.Trace) (*Replayer, error) {
	r, err := NewReplayer(&tr.Header)
	if err != nil {
		return nil, err
	}
	for i := range tr.Steps {
		if _, err := r.Step(&tr.Steps[i]); err != nil {
			return r, err
		}
	}
	return r, nil
}

func TestBadHeader(t *testing.T) {
	tr := normalRun(t)
	tr.Header.Bugs = []string{"no-such-bug"}
	if _, err := Check(&tr, replay.Options{}); !errors.Is(err, replay.ErrSetup) {
		t.Fatalf("err = %v, want ErrSetup", err)
	}
}

func TestClaim(t *testing.T) {
	tr := normalRun(t)
	tr.Header.Violation = &paxostrace.Violation{Invariant: "Agreement", Step: 3}
	v, err := Check(&tr, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v.ClaimConfirmed == nil || *v.ClaimConfirmed {
		t.Fatalf("a correct run's claimed violation was confirmed: %+v", v)
	}
}

func TestNetDiff(t *testing.T) {
	m := func(typ paxos.MsgType, to paxos.NodeID) paxos.Message { return paxos.Message{Type: typ, To: to} }
	before := []paxos.Message{m(paxos.Msg1a, 0), m(paxos.Msg1a, 1), m(paxos.Msg1a, 1), m(paxos.Msg2a, 0)}
	after := []paxos.Message{m(paxos.Msg1a, 1), m(paxos.Msg1b, 3), m(paxos.Msg2a, 0)}
	gone, added := replay.NetDiff(before, after)
	if len(gone) != 2 || gone[0] != m(paxos.Msg1a, 0) || gone[1] != m(paxos.Msg1a, 1) {
		t.Errorf("gone = %v", gone)
	}
	if len(added) != 1 || added[0] != m(paxos.Msg1b, 3) {
		t.Errorf("added = %v", added)
	}
}
