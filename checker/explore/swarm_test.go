package explore_test

import (
	"errors"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
)

// reached runs one search of p with o and returns the states it checked,
// by their encoding.
func reached(t *testing.T, p tproto, o topts) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	o.Check = func(st *tstate, _ int) *graph.Violation {
		seen[string(graph.AppendBinary(p, nil, st))] = true
		return nil
	}
	run(t, &model{tproto: p}, o)
	return seen
}

// TestOrders: a depth-first search in any order of successors stores
// every state when it is complete; cut short by MaxStates, the same order
// reaches the same states every time and different orders reach
// different ones.
func TestOrders(t *testing.T) {
	p := &graphtest.Toy{Opt: faultOptions[2]}
	want, _ := graphtest.Conformance[tid, tclient, tnode, tmsg, uint8, teff](t, p, 1<<20)
	for order := uint64(1); order <= 4; order++ {
		r := run(t, &model{tproto: p}, topts{DFS: true, Order: order})
		if !r.Complete || r.Distinct != int64(want) {
			t.Errorf("order %d: %d states (complete %v), graphtest enumerates %d", order, r.Distinct, r.Complete, want)
		}
	}
	bound := int64(want / 4)
	one := reached(t, p, topts{DFS: true, Order: 1, MaxStates: bound})
	if again := reached(t, p, topts{DFS: true, Order: 1, MaxStates: bound}); !sameKeys(one, again) {
		t.Errorf("order 1 reached %d states, then %d others", len(one), len(again))
	}
	if two := reached(t, p, topts{DFS: true, Order: 2, MaxStates: bound}); sameKeys(one, two) {
		t.Errorf("orders 1 and 2 reached the same %d states", len(one))
	}
	if _, err := explore.Run[tid, tclient, tnode, tmsg, uint8, teff](&model{tproto: p}, topts{Order: 1}); !errors.Is(err, explore.ErrOptions) {
		t.Errorf("an order without depth-first search: %v, want %v", err, explore.ErrOptions)
	}
	if _, err := explore.Run[tid, tclient, tnode, tmsg, uint8, teff](&model{tproto: p}, topts{Swarm: 2}); !errors.Is(err, explore.ErrOptions) {
		t.Errorf("a swarm without depth-first search: %v, want %v", err, explore.ErrOptions)
	}
}

func sameKeys(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// TestSwarm: a state that the first order's bounded search misses but a
// later order's reaches is found by a swarm, which lists its searches,
// stops at the one that found it, and gives a path to it that the search
// of that order alone gives again. With no violation the swarm runs every
// search and is incomplete; with no bound its first search is complete,
// and so is the swarm.
func TestSwarm(t *testing.T) {
	p := &graphtest.Toy{Opt: faultOptions[2]}
	all := reached(t, p, topts{Workers: 1})
	bound := int64(len(all) / 4)
	first := reached(t, p, topts{DFS: true, Order: 1, MaxStates: bound})
	var target string
	var order uint64
	for o := uint64(2); o < 40 && target == ""; o++ {
		for k := range reached(t, p, topts{DFS: true, Order: o, MaxStates: bound}) {
			if !first[k] {
				target, order = k, o
				break
			}
		}
	}
	if target == "" {
		t.Fatal("no order reached a state that order 1 missed")
	}
	m := &model{tproto: p, bad: func(st *tstate) string {
		if string(graph.AppendBinary(p, nil, st)) == target {
			return "the target"
		}
		return ""
	}}
	r := run(t, m, topts{DFS: true, Swarm: 50, Order: 1, MaxStates: bound})
	if r.Violation == nil || len(r.Swarm) < 2 || len(r.Swarm) > int(order) {
		t.Fatalf("swarm: violation %v after %d searches, want one within %d", r.Violation, len(r.Swarm), order)
	}
	last := r.Swarm[len(r.Swarm)-1]
	if !last.Found || last.Order != uint64(len(r.Swarm)) || r.Swarm[0].Found || r.Swarm[0].Stopped != "max-states" {
		t.Errorf("searches %+v: want order 1 cut short, the last (order %d) found", r.Swarm, len(r.Swarm))
	}
	if end := replay(t, p, r.Path); string(graph.AppendBinary(p, nil, &end)) != target {
		t.Errorf("the swarm's path %v does not lead to the target", r.Path)
	}
	alone := run(t, m, topts{DFS: true, Order: last.Order, MaxStates: bound})
	if alone.Violation == nil || len(alone.Path) != len(r.Path) {
		t.Errorf("order %d alone: violation %v after %d steps, the swarm's after %d", last.Order, alone.Violation, len(alone.Path), len(r.Path))
	}

	r = run(t, &model{tproto: p}, topts{DFS: true, Swarm: 3, Order: 5, MaxStates: bound})
	if r.Complete || r.Stopped != "swarm" || r.Err() != nil || len(r.Swarm) != 3 || r.Swarm[2].Order != 7 {
		t.Errorf("no violation: complete %v, stopped %q, verdict %v, searches %+v", r.Complete, r.Stopped, r.Err(), r.Swarm)
	}
	r = run(t, &model{tproto: p}, topts{DFS: true, Swarm: 3, Order: 5, MaxMemory: -1})
	if !r.Complete || r.Stopped != "" || len(r.Swarm) != 1 || r.Distinct != int64(len(all)) {
		t.Errorf("unbounded: complete %v, stopped %q, %d of %d states, searches %+v", r.Complete, r.Stopped, r.Distinct, len(all), r.Swarm)
	}
}
