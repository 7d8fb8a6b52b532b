package paxosexplore

import (
	"slices"

	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// The dead-state reduction.
//
// Two states that differ only in what no future step can read have the
// same future: the same actions, leading to states that again differ only
// in what nothing reads, and the same verdict of every invariant (which
// read the nodes only through invariant.ViewOf, Sent and the counters).
// The search stores one state per such class: the fingerprint hashes each
// node in its canonical state, with the fields the hints (hints.go) call
// dead cleared, and leaves out the messages deadMsg calls dead, in either
// network. The frontier keeps the real state, so a counterexample is a real
// path. This is the quotient of the state graph by a bisimulation, so
// shortest counterexample lengths are kept too, provided the hints hold
// for the code under test: the certifier (certify.go) proves that they do,
// in the same run, or refutes one, which the search then does without.
//
// Deliveries of dead messages are not explored: they change nothing the
// fingerprint holds (certified). Nor are their drops and duplications
// (multiset network): those spend a budget and change only the copies of
// a message left out of the fingerprint, so any path through one maps to
// the path without it, with more budget left, which enables every action
// the spent budget did; nor a crash in the middle of handling one, which
// persists nothing (certified) and so is a plain crash, enabled in the
// same states.
//
// One more action is not explored: a crash of a node whose state is
// exactly what a restart from its stable storage gives back, and which
// the invariants see alike while it is down (stutters, certify.go, runs
// the crash and the restart through the code). The node only pauses: while
// it is down the others take steps that they can take with it up, its
// storage does not change, and the restart restores it. Any path through
// such a crash maps to one without it, with one crash more left in the
// budget, reaching the same node states and Sent. A state whose only
// enabled actions are such crashes and deliveries of dead messages is
// reported as stuck: in the full graph they lead, with the budget spent
// and the dead messages delivered, to a state where nothing is enabled
// (multiset) or nothing changes (set network).
//
// There is no partial-order reduction beyond this: the inert-delivery and
// decided-delivery reductions of earlier versions rested on the correct
// protocol's rules; the first is subsumed by dead messages (an inert
// message is a dead one, and its delivery is now not explored at all), the
// second cost 5% more states on the largest run to drop.

// canCrashAfter reports whether node n may still crash once used crashes
// are spent (crashes and mid-step crashes share the budget).
func canCrashAfter(s *world.Setup, used int, n *paxos.Node) bool {
	return used < s.Budget.Crashes && crashable(s, n.ID)
}

func crashable(s *world.Setup, id paxos.NodeID) bool {
	return s.Crashable == nil || slices.Contains(s.Crashable, id)
}
