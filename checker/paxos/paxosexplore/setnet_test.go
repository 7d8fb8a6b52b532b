package paxosexplore

import (
	"errors"
	"flag"
	"fmt"
	"sync"
	"testing"

	"github.com/cespare/xxhash/v2"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

var setnetSlow = flag.Bool("setnet.slow", false, "also run the slowest set-network catalogue search (pick-lowest-promised-value)")

// setBound is b for the set network: same shape, rounds and crashes; no
// drop or duplication budget (the set network has them all).
func setBound(b bound, bugs paxos.Bugs) world.Setup {
	s := b.setup(bugs)
	s.SetNetwork = true
	s.Budget.Drops, s.Budget.Dups = 0, 0
	return s
}

// TestSetNetworkCatalogue finds every catalogue bug with the set network at
// the multiset explorer's bounds (TestCatalogue's table, budgets of drops
// and dups dropped), and its counterexample is an ordinary trace: it
// validates, and replays in the multiset world to the same violation at
// the step its header names. Its length (the set path plus one Duplicate
// step per re-delivery) equals the multiset explorer's shortest: the set
// network's BFS finds a path as short, and learner-counts-duplicates
// needs its one duplication either way.
func TestSetNetworkCatalogue(t *testing.T) {
	for _, c := range catalogue {
		t.Run(c.bug.String(), func(t *testing.T) {
			if raceOn && c.bug == paxos.BugPickLowestPromisedValue {
				t.Skip("too slow under the race detector")
			}
			if !*setnetSlow && c.bug == paxos.BugPickLowestPromisedValue {
				t.Skip("2.4M states, ~45 s: run with -setnet.slow (found after 20 steps, as with the multiset network)")
			}
			s := setBound(c.at, paxos.Bugs(c.bug))
			r, err := Run(s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(r.Err(), ErrViolation) {
				t.Fatalf("bounds %+v: verdict %v after %d states, want a violation", c.at, r.Err(), r.Distinct)
			}
			tr, err := Trace(s, r)
			if err != nil {
				t.Fatal(err)
			}
			if err := paxostrace.Validate(&tr); err != nil {
				t.Fatal(err)
			}
			v, err := Replay(&tr)
			if err != nil {
				t.Fatal(err)
			}
			h := tr.Header.Violation
			if v == nil || h == nil || v.Invariant != h.Invariant || v.Step != h.Step || v.Invariant != r.Violation.Invariant {
				t.Fatalf("replay gives %v, header %+v, search found %s", v, h, r.Violation.Invariant)
			}
			if len(tr.Steps) < len(r.Path) {
				t.Fatalf("trace has %d steps, fewer than the path's %d", len(tr.Steps), len(r.Path))
			}
			if r.Violation.Invariant != c.invariant || len(tr.Steps) != c.steps {
				t.Errorf("%s after %d trace steps, the multiset explorer's shortest is %s after %d", r.Violation.Invariant, len(tr.Steps), c.invariant, c.steps)
			}
			t.Logf("%s: %s after %d set steps (%d trace steps; multiset %s after %d), %d states",
				c.bug, r.Violation.Invariant, len(r.Path), len(tr.Steps), c.invariant, c.steps, r.Distinct)
		})
	}
}

// abstractSet collects the fingerprints of the abstract states
// (invariant.FromWorld) of every distinct state a search reaches. No
// reduction: symmetry would store one representative per orbit, which may
// differ between two graphs.
func abstractSet(t *testing.T, s world.Setup) map[uint64]invariant.Abstract {
	t.Helper()
	var mu sync.Mutex
	seen := map[uint64]invariant.Abstract{}
	check := func(s *world.Setup, st *world.State, depth int) *invariant.Violation {
		a := invariant.FromWorld(s, st)
		k := xxhash.Sum64String(fmt.Sprintf("%v", a))
		mu.Lock()
		seen[k] = a
		mu.Unlock()
		return nil
	}
	r, err := Run(s, Options{Workers: 1, NoSymmetry: true, Check: check})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete {
		t.Fatal("search incomplete")
	}
	t.Logf("set network %v, budget %+v: %d states, %d abstract states", s.SetNetwork, s.Budget, r.Distinct, len(seen))
	return seen
}

// missing lists the members of sub not in super.
func missing(sub, super map[uint64]invariant.Abstract) []invariant.Abstract {
	var out []invariant.Abstract
	for k, a := range sub {
		if _, ok := super[k]; !ok {
			out = append(out, a)
		}
	}
	return out
}

// TestSetNetworkSubsumesMultiset is the argument that the set network
// checks at least what the multiset network with budgets does: every
// abstract state (the spec variables the invariants read) reachable with
// one drop, one duplication and one acceptor crash is reachable with the
// set network and the crash, for the correct protocol and for a bug
// whose states depend on the faults (the search goes on past violations:
// Check only collects). The comparison is shown to find something: the set
// network without the crash misses abstract states the multiset network
// reaches with it under promise-not-persisted.
func TestSetNetworkSubsumesMultiset(t *testing.T) {
	if raceOn {
		t.Skip("80,000 states per case without reductions: too slow under the race detector")
	}
	// One round: at two, the multiset graph without reductions has
	// 1.5M states (the set one far fewer).
	setups := func(bugs paxos.Bugs) (multi, set world.Setup) {
		base := world.NewSetup(3, 1, 1, 1)
		base.Config.Bugs = bugs
		base.MaxRound = 1
		base.Crashable = slicesClone(base.Config.Acceptors)
		multi, set = base, base
		multi.Budget = world.Budget{Drops: 1, Dups: 1, Crashes: 1}
		set.SetNetwork = true
		set.Budget = world.Budget{Crashes: 1}
		return multi, set
	}
	for _, bugs := range []paxos.Bugs{0, paxos.Bugs(paxos.BugPromiseNotPersisted)} {
		t.Run(fmt.Sprintf("bugs=%q", bugs.String()), func(t *testing.T) {
			multi, set := setups(bugs)
			m, sn := abstractSet(t, multi), abstractSet(t, set)
			if miss := missing(m, sn); len(miss) > 0 {
				t.Fatalf("%d abstract states reachable with the multiset network are not with the set network, e.g. %+v", len(miss), miss[0])
			}
			if bugs.Has(paxos.BugPromiseNotPersisted) {
				set.Budget.Crashes = 0
				if len(missing(m, abstractSet(t, set))) == 0 {
					t.Fatal("the set network without crashes reaches every abstract state of the multiset one with a crash: the comparison shows nothing")
				}
			}
		})
	}
}

// TestSetNetworkStuck: with the set network every delivery stays enabled
// (a self-loop once it changes nothing), so a deadlock is a state in which
// no action changes the state while a client waits. A proposer crash that
// loses the client's request is one (as in TestDeadlock); it is an error
// only with DeadlockIsError, and its path ends in such a state, with the
// reductions on.
func TestSetNetworkStuck(t *testing.T) {
	s := world.NewSetup(3, 1, 1, 1)
	s.MaxRound = 1
	s.SetNetwork = true
	s.Budget = world.Budget{Crashes: 1}
	s.Crashable = s.Config.Proposers
	r0, st, r := deadlockEnd(t, s)
	if !r0.Dead || !r0.SetNetwork {
		t.Errorf("dead-state %v, SetNetwork %v: want the reductions on, on the set network", r0.Dead, r0.SetNetwork)
	}
	if st.Invoked.Minus(st.Returned).Empty() {
		t.Fatal("no client waits at the end of the deadlock path")
	}
	for _, a := range st.Actions(&s, nil) {
		next := st.Clone()
		if _, err := next.Apply(&s, a); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(next) != fmt.Sprint(st) {
			t.Fatalf("the deadlock path ends in a state that %s changes", a)
		}
	}
	tr, err := Trace(s, r)
	if err != nil {
		t.Fatal(err)
	}
	if h := tr.Header.Violation; h == nil || h.Invariant != "Deadlock" {
		t.Fatalf("trace header %+v, want a Deadlock", h)
	}
	// Without the crash every waiting state can still move.
	s.Budget.Crashes = 0
	if r, err = Run(s, Options{DeadlockIsError: true}); err != nil || r.Err() != nil || r.Deadlocks != 0 {
		t.Fatalf("no crash: error %v, verdict %v, %d deadlocks", err, r.Err(), r.Deadlocks)
	}
}
