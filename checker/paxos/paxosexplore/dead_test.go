package paxosexplore

import (
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// abstractKey is the part of st that every verdict depends on: the
// invariants' view (invariant.FromWorld), the waiting clients (deadlocks)
// and the learners that learned (the "sometimes" property), canonical up to
// a permutation of acceptors (the least rendering over all of them).
func abstractKey(s *world.Setup, st *world.State, perms []perm, waiting bool) string {
	a := invariant.FromWorld(s, st)
	var tail []byte
	for _, v := range a.Proposed {
		tail = append(append(tail, 'p'), v...)
	}
	for _, v := range a.Learned {
		tail = append(append(tail, 'l'), v...)
	}
	if waiting {
		tail = append(append(tail, 'w'), st.Invoked.Minus(st.Returned).String()...)
	}
	tail = strconv.AppendUint(append(tail, 'L'), st.Learned, 2)
	n := a.NumAcceptors
	best := ""
	msgs := make([]string, 0, len(a.Msgs))
	for _, p := range perms {
		var b []byte
		for j := 0; j < n; j++ {
			i := p.inv[j]
			b = strconv.AppendInt(append(b, '|'), int64(a.MaxBal[i]), 10)
			b = strconv.AppendInt(append(b, ','), int64(a.MaxVBal[i]), 10)
			b = append(append(b, ','), a.MaxVal[i]...)
		}
		msgs = msgs[:0]
		for _, m := range a.Msgs {
			acc := m.Acc
			if acc >= 0 {
				acc = p.fwd[acc]
			}
			mb := append([]byte(m.Type), ' ')
			mb = strconv.AppendInt(mb, int64(acc), 10)
			mb = strconv.AppendInt(append(mb, ' '), int64(m.Bal), 10)
			mb = strconv.AppendInt(append(mb, ' '), int64(m.MBal), 10)
			mb = append(append(append(append(mb, ' '), m.MVal...), ' '), m.Val...)
			msgs = append(msgs, string(mb))
		}
		slices.Sort(msgs)
		for _, m := range msgs {
			b = append(append(b, ';'), m...)
		}
		k := string(append(b, tail...))
		if best == "" || k < best {
			best = k
		}
	}
	return best
}

// reach runs a search and returns the sets of abstract keys of the states
// it stored, with and without the waiting clients, and its result.
func reach(t *testing.T, s world.Setup, opt Options) (map[string]bool, map[string]bool, *Result) {
	t.Helper()
	perms := allPerms(len(s.Config.Acceptors))
	var mu sync.Mutex
	seen, seenNW := map[string]bool{}, map[string]bool{}
	opt.Check = func(s *world.Setup, st *world.State, depth int) *invariant.Violation {
		k, nw := abstractKey(s, st, perms, true), abstractKey(s, st, perms, false)
		mu.Lock()
		seen[k], seenNW[nw] = true, true
		mu.Unlock()
		return nil
	}
	r, err := Run(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete {
		t.Fatalf("search incomplete after %d states", r.Distinct)
	}
	return seen, seenNW, r
}

// TestReductionsKeepAbstractStates checks the reductions against the full
// graph (no reduction at all) on everything a verdict can read, in both
// networks, with crashes that lose nothing (correct acceptors), crashes
// that lose something (the persistence bugs, proposers and learners),
// mid-step crashes, rounds up to 2, and a proposer crash-restart with a
// client left for the restarted proposer: with every reduction on
// (symmetry and the dead-state reduction, certified in the run) the search
// reaches exactly the abstract states of the full graph, waiting clients
// included, and stuck states exist in both or in neither. Equal sets mean
// equal verdicts for every invariant over them, present or future. For the
// correct protocol no hint may be refuted.
func TestReductionsKeepAbstractStates(t *testing.T) {
	type tc struct {
		name string
		s    world.Setup
		// sym: the full graph is searched with the acceptor symmetry (a
		// few cases are too large without it); otherwise with no
		// reduction at all.
		sym bool
	}
	mk := func(a, p, c int, round uint32, b world.Budget, set bool, bugs paxos.Bugs, crash string, mid bool) world.Setup {
		s := world.NewSetup(a, p, 1, c)
		s.MaxRound, s.Budget, s.SetNetwork, s.Config.Bugs, s.MidStepCrash = round, b, set, bugs, mid
		switch crash {
		case "acceptor":
			s.Crashable = slices.Clone(s.Config.Acceptors)
		case "proposer":
			s.Crashable = slices.Clone(s.Config.Proposers)
		}
		return s
	}
	crash1 := world.Budget{Crashes: 1}
	cases := []tc{
		{"set-correct", mk(3, 2, 2, 1, world.Budget{}, true, 0, "acceptor", false), false},
		{"set-correct-crash-any-node-mid-step", mk(3, 2, 1, 1, crash1, true, 0, "all", true), false},
		{"set-promise-not-persisted", mk(3, 2, 2, 1, crash1, true, paxos.Bugs(paxos.BugPromiseNotPersisted), "acceptor", true), true},
		{"set-minority-quorum", mk(3, 1, 1, 1, world.Budget{}, true, paxos.Bugs(paxos.BugMinorityQuorum), "acceptor", false), false},
		// Rounds up to 2, and a proposer crash-restart with the second
		// client left for the restarted proposer, so that its durable
		// round is read after the restart.
		{"set-rounds-2-proposer-crash", mk(3, 1, 2, 2, crash1, true, 0, "proposer", false), true},
		{"multiset-correct-faults", mk(3, 2, 1, 1, world.Budget{Drops: 1, Dups: 1, Crashes: 1}, false, 0, "all", false), false},
		{"multiset-rounds-2-crash-any-node", mk(3, 1, 1, 2, crash1, false, 0, "all", true), true},
		{"multiset-accept-not-persisted", mk(3, 2, 1, 1, crash1, false, paxos.Bugs(paxos.BugAcceptNotPersisted), "acceptor", true), false},
		{"multiset-learner-counts-duplicates", mk(3, 1, 1, 1, world.Budget{Dups: 1}, false, paxos.Bugs(paxos.BugLearnerCountsDuplicates), "acceptor", false), false},
	}
	same := func(t *testing.T, what string, a, b map[string]bool) {
		t.Helper()
		for k := range a {
			if !b[k] {
				t.Fatalf("%s: abstract state reached without the reductions only: %s", what, k)
			}
		}
		for k := range b {
			if !a[k] {
				t.Fatalf("%s: abstract state reached with the reductions only: %s", what, k)
			}
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if raceOn || testing.Short() {
				t.Skip("full graphs of up to a few million states: run by make reduction-check, without -race and -short")
			}
			full, _, rf := reach(t, c.s, Options{NoDead: true, NoSymmetry: !c.sym})
			all, _, ra := reach(t, c.s, Options{})
			t.Logf("stored states: %d with no reduction, %d with all; %d abstract states; refuted %v",
				rf.Distinct, ra.Distinct, len(full), ra.Refuted)
			if c.s.Config.Bugs == 0 && (len(ra.Refuted) > 0 || !ra.Dead || !ra.Symmetry && symmetric(&c.s)) {
				t.Fatalf("correct protocol: refuted %v, dead-state %v, symmetry %v", ra.Refuted, ra.Dead, ra.Symmetry)
			}
			same(t, "reductions", full, all)
			if (rf.Deadlocks > 0) != (ra.Deadlocks > 0) || rf.Chosen != ra.Chosen || rf.AllLearned != ra.AllLearned {
				t.Fatalf("deadlocks %d vs %d, chosen %v vs %v, learned %v vs %v",
					rf.Deadlocks, ra.Deadlocks, rf.Chosen, ra.Chosen, rf.AllLearned, ra.AllLearned)
			}
		})
	}
}
