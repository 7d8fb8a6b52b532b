// Package replaytest holds the toy protocol of graphtest as replay reads
// it: a step type, its replay.Protocol and a recorder of random runs, for
// the tests of replay and of the packages built on it (the viewer).
package replaytest

import (
	"fmt"
	"slices"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
	"github.com/paxoscheck/paxoscheck/checker/replay"
)

// The toy's types, from graphtest.
type (
	ToyID      = graphtest.ToyID
	ToyClient  = graphtest.ToyClient
	ToyNode    = graphtest.ToyNode
	ToyMsg     = graphtest.ToyMsg
	ToyEffects = graphtest.ToyEffects
)

// The toy's instantiations of the graph's types.
type (
	ToyState  = graph.State[ToyID, ToyNode, ToyMsg, uint8]
	ToyAction = graph.Action[ToyID, ToyClient, ToyMsg]
)

// ToyStep is a step of a toy trace: the toy has no trace format of its
// own, so its steps are plain values.
type ToyStep struct {
	N       int
	Event   string
	Node    ToyID
	Action  ToyAction
	Msg     *replay.Ref[ToyMsg]
	Sent    []replay.Ref[ToyMsg]
	Persist *uint8
	Reply   bool
	Timer   graph.TimerOp
}

// ToyReplay is the toy as replay reads it (replay.Protocol): its steps,
// its effects, and its one invariant, OnePing, which fails once the pinger
// sent two pings.
type ToyReplay struct{ *graphtest.Toy }

// ReadStep reads s.
func (p ToyReplay) ReadStep(s *ToyStep) replay.StepInfo[ToyID, ToyClient, ToyMsg] {
	return replay.StepInfo[ToyID, ToyClient, ToyMsg]{Number: s.N, Event: s.Event, Node: s.Node, Action: s.Action, Msg: s.Msg, Sent: s.Sent}
}

// Before compares nothing.
func (p ToyReplay) Before(*ToyStep) (string, string, string) { return "", "", "" }

// After compares the durable write, the reply and the timer.
func (p ToyReplay) After(s *ToyStep, e ToyEffects) (string, string, string) {
	switch {
	case (e.Persist == nil) != (s.Persist == nil) || e.Persist != nil && *e.Persist != *s.Persist:
		return "persist", fmt.Sprint(e.Persist != nil), fmt.Sprint(s.Persist != nil)
	case e.Reply != s.Reply:
		return "reply", fmt.Sprint(e.Reply), fmt.Sprint(s.Reply)
	case e.Timer != s.Timer:
		return "timer", fmt.Sprint(e.Timer), fmt.Sprint(s.Timer)
	}
	return "", "", ""
}

// Sends is e.Send.
func (p ToyReplay) Sends(e ToyEffects) []ToyMsg { return e.Send }

// EachInvariant checks OnePing.
func (p ToyReplay) EachInvariant(st *ToyState, f func(string, error)) {
	var err error
	if st.Nodes[0].Count >= 2 {
		err = fmt.Errorf("%d pings", st.Nodes[0].Count)
	}
	f("OnePing", err)
}

// RecordToy walks p's graph at random (pick(n) chooses among n enabled
// actions) for up to n steps and returns its trace, its final state and
// the step after which OnePing first failed (0: never).
func RecordToy(p ToyReplay, pick func(int) int, n int) ([]ToyStep, ToyState, int, error) {
	st, err := graph.Init(p)
	if err != nil {
		return nil, st, 0, err
	}
	type held struct {
		id int
		m  ToyMsg
	}
	var flight []held
	next, broke := 1, 0
	var steps []ToyStep
	for i := 1; i <= n; i++ {
		acts := graph.Actions(p, &st, nil)
		if len(acts) == 0 {
			break
		}
		a := acts[pick(len(acts))]
		out, err := graph.Apply(p, &st, a)
		if err != nil {
			return nil, st, 0, fmt.Errorf("%s: %w", a, err)
		}
		s := ToyStep{N: i, Event: out.Event, Node: a.Node, Action: a, Persist: out.Effects.Persist, Reply: out.Effects.Reply, Timer: out.Effects.Timer}
		sends := out.Effects.Send
		switch a.Kind {
		case graph.ActDeliver, graph.ActDrop, graph.ActDuplicate, graph.ActCrashMidStep:
			k := slices.IndexFunc(flight, func(h held) bool { return h.m == a.Msg })
			s.Msg = &replay.Ref[ToyMsg]{ID: flight[k].id, Msg: a.Msg}
			if a.Kind == graph.ActDuplicate {
				s.Sent = []replay.Ref[ToyMsg]{{ID: next, DupOf: flight[k].id, Msg: a.Msg}}
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
			s.Sent = append(s.Sent, replay.Ref[ToyMsg]{ID: next, Msg: m})
			flight = append(flight, held{next, m})
			next++
		}
		steps = append(steps, s)
		if broke == 0 && st.Nodes[0].Count >= 2 {
			broke = i
		}
	}
	return steps, st, broke, nil
}
