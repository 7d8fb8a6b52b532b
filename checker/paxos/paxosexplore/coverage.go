package paxosexplore

import (
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// What bounds a search needs to expose the kinds of bug of the catalogue.
//
// A search passes at its bounds, not beyond them: a search with one
// proposer cannot expose a bug that needs two competing ballots. Each need
// below is necessary for the bugs it lists (TestCannotExpose searches, at
// bounds that lack it, every bug it lists, and finds none), and together
// they are sufficient on the grid of small bounds that test runs (every
// bug whose needs are met is found there).

// A need is one thing a search's bounds must provide to expose some bugs.
type need struct {
	what  string
	bugs  []paxos.Bug
	holds func(s *world.Setup) bool
}

// ballots is the number of distinct ballots the bounds allow: rounds for
// each proposer that has a client (a proposer without a value never
// starts a ballot).
func ballots(s *world.Setup) int {
	return proposersWithClients(s) * int(s.MaxRound)
}

func proposersWithClients(s *world.Setup) int {
	seen := map[paxos.NodeID]bool{}
	for _, c := range s.Clients {
		seen[c.Proposer] = true
	}
	return len(seen)
}

var needs = []need{
	{"two ballots (two proposers with a client each, or --max-round 2)",
		[]paxos.Bug{paxos.BugSkipPrepare, paxos.BugAcceptBelowPromise},
		func(s *world.Setup) bool { return ballots(s) >= 2 }},
	{"two values proposed at two proposers (--proposers 2 and --clients 2)",
		[]paxos.Bug{paxos.BugIgnorePromisedValue, paxos.BugPickLowestPromisedValue},
		func(s *world.Setup) bool { return proposersWithClients(s) >= 2 }},
	{"three ballots (--proposers 3 and --clients 3, or --max-round 2)",
		[]paxos.Bug{paxos.BugPickLowestPromisedValue},
		func(s *world.Setup) bool { return ballots(s) >= 3 }},
	{"an acceptor crash (--crashes 1, with acceptor in --crash-roles)",
		[]paxos.Bug{paxos.BugPromiseNotPersisted, paxos.BugAcceptNotPersisted},
		func(s *world.Setup) bool {
			if s.Budget.Crashes < 1 {
				return false
			}
			for _, a := range s.Config.Acceptors {
				if crashable(s, a) {
					return true
				}
			}
			return false
		}},
	{"a duplicated message (--network set, or --dups 1)",
		[]paxos.Bug{paxos.BugLearnerCountsDuplicates},
		func(s *world.Setup) bool { return s.SetNetwork || s.Budget.Dups >= 1 }},
}

// CannotExpose lists, one line per catalogue bug, the bugs that the bounds
// of s cannot expose and what they would need; nil when the bounds can
// expose every one.
func CannotExpose(s *world.Setup) []string {
	var out []string
	for _, b := range paxos.Catalogue() {
		var miss []string
		for _, n := range needs {
			for _, x := range n.bugs {
				if x == b && !n.holds(s) {
					miss = append(miss, n.what)
				}
			}
		}
		if len(miss) > 0 {
			out = append(out, b.String()+": needs "+strings.Join(miss, " and "))
		}
	}
	return out
}

// DefaultSetup is the explore command's default: 3 acceptors, 3 proposers
// and 3 clients (one value each), one learner, rounds up to 1, one
// acceptor crash-restart, on the set network (every drop, duplication and
// reordering). Its bounds can expose every catalogue bug (CannotExpose is
// empty; TestCannotExpose shows each is found), and the correct protocol's
// search takes seconds.
func DefaultSetup() world.Setup {
	s := world.NewSetup(3, 3, 1, 3)
	s.MaxRound = 1
	s.Budget = world.Budget{Crashes: 1}
	s.SetNetwork = true
	s.Crashable = append([]paxos.NodeID(nil), s.Config.Acceptors...)
	return s
}
