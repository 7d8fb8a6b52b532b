package viewer_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/replay/replaytest"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
)

// The viewer is generic: toyView is the toy protocol's labels, and the
// page of a toy run shows every step, every state and every message.
type toyView struct{ replaytest.ToyReplay }

func (v toyView) Columns() []viewer.Column {
	return []viewer.Column{{ID: 0, Label: "pinger", Role: "pinger"}, {ID: 1, Label: "ponger", Role: "ponger"}}
}

func (v toyView) ViewStep(s *replaytest.ToyStep) viewer.StepView {
	return viewer.StepView{Step: s.N, Action: s.Event, Node: int(s.Node), Text: s.Event}
}

func (v toyView) ViewState(st *replaytest.ToyState) []viewer.NodeState {
	var out []viewer.NodeState
	for _, n := range st.Nodes {
		out = append(out, viewer.NodeState{ID: fmt.Sprintf("node-%d", n.ID), Title: fmt.Sprint(n.ID),
			Fields: []viewer.Field{{Name: "count", Value: fmt.Sprint(n.Count)}}})
	}
	return out
}

func (v toyView) ViewMsg(r replay.Ref[graphtest.ToyMsg]) viewer.Arrow {
	return viewer.Arrow{ID: r.ID, Text: string(r.Msg.Kind), Src: int(r.Msg.From), Dst: int(r.Msg.To), DupOf: r.DupOf}
}

func (v toyView) ViewOps([]porcupine.Operation) []viewer.Op { return nil }

func TestToyPage(t *testing.T) {
	p := toyView{replaytest.ToyReplay{Toy: &graphtest.Toy{Opt: graph.Options[graphtest.ToyID]{Budget: graph.Budget{Drops: 1, Dups: 1, Crashes: 1}}}}}
	rng := rand.New(rand.NewPCG(9, 0))
	var steps []replaytest.ToyStep
	broke := 0
	for broke == 0 || len(steps) < 8 {
		var err error
		if steps, _, broke, err = replaytest.RecordToy(p.ToyReplay, rng.IntN, 25); err != nil {
			t.Fatal(err)
		}
	}
	p.Opt.Unbounded = true
	h := replay.History{
		Ops: func() ([]porcupine.Operation, error) { return nil, nil },
		Check: func([]porcupine.Operation, time.Duration) linearize.Result {
			return linearize.Result{Verdict: linearize.Ok}
		},
	}
	pg, err := viewer.Build(p, map[string]string{"protocol": "toy"}, "test", steps, h, viewer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Steps) != len(steps) || len(pg.States) != len(steps)+1 || len(pg.Invariants) != len(steps)+1 {
		t.Fatalf("%d steps: the page has %d steps, %d states, %d invariant rows", len(steps), len(pg.Steps), len(pg.States), len(pg.Invariants))
	}
	for i, inv := range pg.Invariants {
		if len(inv) != 1 || inv[0].OK != (i < broke) {
			t.Fatalf("after step %d: OnePing %+v, the run broke it after step %d", i, inv, broke)
		}
	}
	sent := 0
	for _, s := range steps {
		sent += len(s.Sent)
	}
	if len(pg.Arrows) < sent {
		t.Fatalf("%d arrows for %d messages sent", len(pg.Arrows), sent)
	}
	var b bytes.Buffer
	if err := pg.WriteHTML(&b); err != nil || !strings.Contains(b.String(), `"protocol":"toy"`) {
		t.Fatalf("page: %v", err)
	}
}

// laneless is the toy's labels with a step that talks to client 7, who
// has no lane.
type laneless struct{ toyView }

func (v laneless) ViewStep(s *replaytest.ToyStep) viewer.StepView {
	sv := v.toyView.ViewStep(s)
	sv.Client = []viewer.ClientMsg{{Client: 7, Text: "hello"}}
	return sv
}

// TestBuildMissingLane: a step drawn to a lane the page lacks is an error
// naming the step and the client, not a page whose script breaks.
func TestBuildMissingLane(t *testing.T) {
	p := laneless{toyView{replaytest.ToyReplay{Toy: &graphtest.Toy{}}}}
	rng := rand.New(rand.NewPCG(3, 0))
	steps, _, _, err := replaytest.RecordToy(p.ToyReplay, rng.IntN, 5)
	if err != nil || len(steps) == 0 {
		t.Fatalf("recording %d toy steps: %v", len(steps), err)
	}
	h := replay.History{
		Ops: func() ([]porcupine.Operation, error) { return nil, nil },
		Check: func([]porcupine.Operation, time.Duration) linearize.Result {
			return linearize.Result{Verdict: linearize.Ok}
		},
	}
	if _, err := viewer.Build(p, nil, "test", steps, h, viewer.Options{}); err == nil || !strings.Contains(err.Error(), "step 1: client 7 has no lane") {
		t.Fatalf("Build = %v, want an error at step 1 naming client 7", err)
	}
	if _, err := viewer.Build(p.toyView, nil, "test", steps, h, viewer.Options{}); err != nil {
		t.Fatalf("the same steps with their lanes: %v", err)
	}
}
