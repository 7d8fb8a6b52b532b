package explore

import (
	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// The dead-state reduction.
//
// Two states that differ only in what no future step can read have the
// same future: the same actions, leading to states that again differ only
// in what nothing reads, and the same verdict of every invariant (which
// read the acceptors, Sent, the invoked clients and the learners' Learned,
// never the state below). The search stores one state per such class: the
// fingerprint hashes a canonical state in which the dead parts are left
// out (fingerprinter.nodeParts and deadMsg, hash.go), while the frontier
// keeps the real state, so a counterexample is still a real path. This is
// the quotient of the state graph by a bisimulation, so shortest
// counterexample lengths are kept too. What is dead, each read off impl/paxos:
//
//   - A proposer outside phase 1: Promised, HighVBal/HighVal and
//     LowVBal/LowVal. promise ignores every 1b unless the proposer is in
//     phase 1, and timeout, the only way into phase 1, clears them.
//   - A proposer's Seen, but for its round when that is above the
//     proposer's own round: Seen is read only by timeout, through
//     max(Round, Seen.Round), and grows only by MaxBallot, whose round part
//     depends only on the round parts. All of it once the proposer heard a
//     value is decided and cannot crash: it never times out again.
//   - A learner's recorded vote values (learnerDeliver compares and counts
//     ballots; the value it learns is the delivered message's), and, once
//     it learned, its whole vote record (it stops counting).
//
// With the set network (world.Setup.SetNetwork), a message whose delivery
// changes nothing now and can change nothing in any later state is left
// out of the fingerprint: it only adds self-loops (deadMsg).
//
// One more action is not expanded: a crash of a node whose state is
// exactly what a restart from its stable storage gives back (stutterCrash:
// a correct acceptor, whose whole state is durable). The node only pauses:
// while it is down the others take steps that they can take with it up,
// its storage does not change, and the restart restores it. Any path
// through such a crash maps to one without it, with one crash more left in
// the budget, reaching the same node states and Sent; a crashed acceptor's
// invariant view is its storage (invariant.FromWorld), equal to its memory
// here. A state whose only enabled actions are such crashes (and, with the
// set network, self-loops) is reported as stuck: in the full graph the
// crash and restart lead to the same state with the budget spent, where
// nothing is enabled.

// canCrash reports whether node n may still crash in st (crashes and
// mid-step crashes share the budget).
func canCrash(s *world.Setup, st *world.State, n *paxos.Node) bool {
	return canCrashAfter(s, st.Used.Crashes, n)
}

// canCrashAfter reports whether node n may still crash once used crashes
// are spent.
func canCrashAfter(s *world.Setup, used int, n *paxos.Node) bool {
	return used < s.Budget.Crashes && crashable(s, n.ID)
}

// deadMsg reports whether delivering m (set network) is a self-loop of the
// canonical state in st and in every state reachable from st (idle,
// por.go).
func deadMsg(s *world.Setup, st *world.State, m *paxos.Message) bool {
	n := st.Node(m.To)
	return n != nil && idle(s, st.Used.Crashes, n, m, true)
}

// stutterCrash reports whether a is a crash of a node whose restart from
// its stable storage gives back exactly its present state.
func stutterCrash(s *world.Setup, st *world.State, a *world.Action) bool {
	if a.Kind != world.ActCrash {
		return false
	}
	i := st.NodeIndex(a.Node)
	if i < 0 {
		return false
	}
	n := st.Nodes[i]
	down, _, err := n.Step(&s.Config, paxos.Input{Kind: paxos.InCrash})
	if err != nil {
		return false
	}
	up, _, err := down.Step(&s.Config, paxos.Input{Kind: paxos.InRestart, Durable: st.Stored[i]})
	return err == nil && up == n
}
