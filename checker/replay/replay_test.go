package replay_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/replay/replaytest"
)

// Replay is generic: these tests replay traces of graphtest's toy
// protocol, which is not Paxos, in a step type of their own.

type (
	tid     = graphtest.ToyID
	tclient = graphtest.ToyClient
	tnode   = graphtest.ToyNode
	tmsg    = graphtest.ToyMsg
	teff    = graphtest.ToyEffects
	tstate  = replaytest.ToyState
)

type (
	step = replaytest.ToyStep
	toy  = replaytest.ToyReplay
)

// record is replaytest.RecordToy, failing the test on an error.
func record(t *testing.T, p toy, rng *rand.Rand, n int) ([]step, tstate, int) {
	t.Helper()
	steps, st, broke, err := replaytest.RecordToy(p, rng.IntN, n)
	if err != nil {
		t.Fatal(err)
	}
	return steps, st, broke
}

func options() graph.Options[tid] {
	return graph.Options[tid]{Budget: graph.Budget{Drops: 2, Dups: 2, Crashes: 2}, MidStepCrash: true}
}

// TestRunsReplay: recorded runs replay without divergence to the state the
// run reached, and the tracker finds the invariant broken where the run
// broke it.
func TestRunsReplay(t *testing.T) {
	p := toy{Toy: &graphtest.Toy{Opt: options()}}
	rng := rand.New(rand.NewPCG(5, 0))
	broken := 0
	for run := 0; run < 200; run++ {
		steps, final, broke := record(t, p, rng, 30)
		p.Opt.Unbounded = true // a replay follows its trace
		r, err := replay.New(p)
		if err != nil {
			t.Fatal(err)
		}
		tr := replay.Tracker[tid, tclient, tnode, tmsg, uint8, teff, step]{P: p}
		for i := range steps {
			if _, err := r.Step(&steps[i]); err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			tr.Observe(&r.State, steps[i].N)
		}
		p.Opt.Unbounded = false
		if !slices.Equal(r.State.Nodes, final.Nodes) || !slices.Equal(r.State.Net, final.Net) || r.State.Returned != final.Returned {
			t.Fatalf("run %d: replay ends in %+v, the run in %+v", run, r.State, final)
		}
		if v := tr.First("OnePing"); (v == nil) != (broke == 0) || v != nil && v.Step != broke {
			t.Fatalf("run %d: tracker says %+v, the run broke OnePing after step %d", run, v, broke)
		}
		if broke > 0 {
			broken++
		}
	}
	if broken == 0 {
		t.Fatal("no run broke the invariant: the tracker's check is not exercised")
	}
}

// TestDivergences: a trace edited in one place diverges at that step and
// field.
func TestDivergences(t *testing.T) {
	p := toy{Toy: &graphtest.Toy{Opt: options()}}
	rng := rand.New(rand.NewPCG(6, 0))
	var steps []step
	for len(steps) < 6 || !slices.ContainsFunc(steps, func(s step) bool { return len(s.Sent) > 0 && s.Persist != nil }) {
		steps, _, _ = record(t, p, rng, 20)
	}
	k := slices.IndexFunc(steps, func(s step) bool { return len(s.Sent) > 0 && s.Persist != nil })
	for _, c := range []struct {
		name, field string
		edit        func(s []step)
	}{
		{"message contents", "sent[0]", func(s []step) { s[k].Sent[0].Msg.N += 7 }},
		{"id not positive", "sent[0].id", func(s []step) { s[k].Sent[0].ID = 0 }},
		{"consumes no message in flight", "msg.id", func(s []step) {
			for i := k + 1; i < len(s); i++ {
				if s[i].Msg != nil {
					s[i].Msg.ID = 999
					return
				}
			}
			// No later step consumes: add one that does.
			s[len(s)-1].Msg = &replay.Ref[tmsg]{ID: 999}
		}},
		{"durable write", "persist", func(s []step) { s[k].Persist = nil }},
		{"event", "action", func(s []step) { s[k].Event = "teleport" }},
		{"node", "node", func(s []step) { s[k].Node = 9 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ed := make([]step, len(steps))
			for i, s := range steps {
				s.Sent = slices.Clone(s.Sent)
				if s.Msg != nil {
					m := *s.Msg
					s.Msg = &m
				}
				ed[i] = s
			}
			c.edit(ed)
			q := toy{Toy: &graphtest.Toy{Opt: graph.Options[tid]{Unbounded: true}}}
			r, err := replay.New(q)
			if err != nil {
				t.Fatal(err)
			}
			for i := range ed {
				_, err = r.Step(&ed[i])
				if err != nil {
					break
				}
			}
			var d *replay.Divergence
			if !errors.As(err, &d) || d.Field != c.field {
				t.Fatalf("got %v, want a divergence in %s", err, c.field)
			}
		})
	}
}
