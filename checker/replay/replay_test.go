package replay_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
	"github.com/paxoscheck/paxoscheck/checker/replay"
)

// Replay is generic: these tests replay traces of graphtest's toy
// protocol, which is not Paxos, in a step type of their own.

type (
	tid     = graphtest.ToyID
	tclient = graphtest.ToyClient
	tnode   = graphtest.ToyNode
	tmsg    = graphtest.ToyMsg
	teff    = graphtest.ToyEffects
	tstate  = graph.State[tid, tnode, tmsg, uint8]
	tact    = graph.Action[tid, tclient, tmsg]
)

// step is a toy trace step.
type step struct {
	n       int
	event   string
	node    tid
	action  tact
	msg     *replay.Ref[tmsg]
	sent    []replay.Ref[tmsg]
	persist *uint8
	reply   bool
	timer   graph.TimerOp
}

// toy is the toy protocol as replay reads it; its one invariant fails
// once the pinger sent two pings.
type toy struct{ *graphtest.Toy }

func (p toy) ReadStep(s *step) replay.StepInfo[tid, tclient, tmsg] {
	return replay.StepInfo[tid, tclient, tmsg]{Number: s.n, Event: s.event, Node: s.node, Action: s.action, Msg: s.msg, Sent: s.sent}
}

func (p toy) Before(*step) (string, string, string) { return "", "", "" }

func (p toy) After(s *step, e teff) (string, string, string) {
	switch {
	case (e.Persist == nil) != (s.persist == nil) || e.Persist != nil && *e.Persist != *s.persist:
		return "persist", fmt.Sprint(e.Persist != nil), fmt.Sprint(s.persist != nil)
	case e.Reply != s.reply:
		return "reply", fmt.Sprint(e.Reply), fmt.Sprint(s.reply)
	case e.Timer != s.timer:
		return "timer", fmt.Sprint(e.Timer), fmt.Sprint(s.timer)
	}
	return "", "", ""
}

func (p toy) Sends(e teff) []tmsg { return e.Send }

func (p toy) EachInvariant(st *tstate, f func(string, error)) {
	var err error
	if st.Nodes[0].Count >= 2 {
		err = fmt.Errorf("%d pings", st.Nodes[0].Count)
	}
	f("OnePing", err)
}

// record walks the toy's graph at random for up to n steps and returns
// its trace, its final state and the step after which OnePing first
// failed (0: never).
func record(t *testing.T, p toy, rng *rand.Rand, n int) ([]step, tstate, int) {
	t.Helper()
	st, err := graph.Init(p)
	if err != nil {
		t.Fatal(err)
	}
	type held struct {
		id int
		m  tmsg
	}
	var flight []held
	next, broke := 1, 0
	var steps []step
	for i := 1; i <= n; i++ {
		acts := graph.Actions(p, &st, nil)
		if len(acts) == 0 {
			break
		}
		a := acts[rng.IntN(len(acts))]
		out, err := graph.Apply(p, &st, a)
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		s := step{n: i, event: out.Event, node: a.Node, action: a, persist: out.Effects.Persist, reply: out.Effects.Reply, timer: out.Effects.Timer}
		sends := out.Effects.Send
		switch a.Kind {
		case graph.ActDeliver, graph.ActDrop, graph.ActDuplicate, graph.ActCrashMidStep:
			k := slices.IndexFunc(flight, func(h held) bool { return h.m == a.Msg })
			s.msg = &replay.Ref[tmsg]{ID: flight[k].id, Msg: a.Msg}
			if a.Kind == graph.ActDuplicate {
				s.sent = []replay.Ref[tmsg]{{ID: next, DupOf: flight[k].id, Msg: a.Msg}}
				flight = append(flight, held{next, a.Msg})
				next++
			} else {
				flight = slices.Delete(flight, k, k+1)
			}
		}
		if a.Kind == graph.ActCrashMidStep {
			sends = nil // a crash after the write: nothing left
		}
		for _, m := range sends {
			s.sent = append(s.sent, replay.Ref[tmsg]{ID: next, Msg: m})
			flight = append(flight, held{next, m})
			next++
		}
		steps = append(steps, s)
		if broke == 0 && st.Nodes[0].Count >= 2 {
			broke = i
		}
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
	p := toy{&graphtest.Toy{Opt: options()}}
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
			tr.Observe(&r.State, steps[i].n)
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
	p := toy{&graphtest.Toy{Opt: options()}}
	rng := rand.New(rand.NewPCG(6, 0))
	var steps []step
	for len(steps) < 6 || !slices.ContainsFunc(steps, func(s step) bool { return len(s.sent) > 0 && s.persist != nil }) {
		steps, _, _ = record(t, p, rng, 20)
	}
	k := slices.IndexFunc(steps, func(s step) bool { return len(s.sent) > 0 && s.persist != nil })
	for _, c := range []struct {
		name, field string
		edit        func(s []step)
	}{
		{"message contents", "sent[0]", func(s []step) { s[k].sent[0].Msg.N += 7 }},
		{"id not positive", "sent[0].id", func(s []step) { s[k].sent[0].ID = 0 }},
		{"consumes no message in flight", "msg.id", func(s []step) {
			for i := k + 1; i < len(s); i++ {
				if s[i].msg != nil {
					s[i].msg.ID = 999
					return
				}
			}
			// No later step consumes: add one that does.
			s[len(s)-1].msg = &replay.Ref[tmsg]{ID: 999}
		}},
		{"durable write", "persist", func(s []step) { s[k].persist = nil }},
		{"event", "action", func(s []step) { s[k].event = "teleport" }},
		{"node", "node", func(s []step) { s[k].node = 9 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ed := make([]step, len(steps))
			for i, s := range steps {
				s.sent = slices.Clone(s.sent)
				if s.msg != nil {
					m := *s.msg
					s.msg = &m
				}
				ed[i] = s
			}
			c.edit(ed)
			q := toy{&graphtest.Toy{Opt: graph.Options[tid]{Unbounded: true}}}
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
