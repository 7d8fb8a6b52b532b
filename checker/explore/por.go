package explore

import (
	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// The partial-order reduction: inert deliveries.
//
// A delivery of message m to node n is inert in state s when, in s and in
// every state reachable from s, delivering m leaves n unchanged and sends
// nothing: it only removes one copy of m from the network. When the drop
// and duplication budgets are spent and some delivery is inert, the
// explorer expands that delivery alone (an ample set of one).
//
// Why verdicts are kept. Let s be such a state, t the inert delivery and w
// any path from s to a state f. Map w to a path w' from s·t: delete the
// step of w that delivers this copy of m if there is one (it changed
// nothing but the network), and replace a crash of n in the middle of
// handling m (world.ActCrashMidStep; m changes nothing, so nothing is
// persisted) by a plain crash of n, enabled in the same states since it
// needs the same budget. No step of w drops or duplicates m (those budgets
// are spent). Every other step of w is enabled after w' as well, because
// one copy of m more or less enables or disables nothing but m's own
// delivery. So w' reaches f, or f with one copy of m fewer in flight,
// and |w'| <= |w|. Invariants, Chosen and the learners' Learned never read
// the network, so f's verdict is kept. A deadlock f has no message in
// flight (a message to a live node is deliverable; a crashed node can
// restart), so then w delivers m and w' reaches f itself. By induction on
// (|w|, messages in flight), which decreases at every reduced step, every
// violation and every deadlock reachable in the full graph is reached in
// the reduced one. Deliveries of fresh messages, crashes and timeouts are
// never postponed, so the argument needs no cycle proviso.
//
// Inertness must hold in all future states, so it is read off state that
// only grows: a proposer's ballot (its round is durable before its 1a
// leaves, and phase 1 of a ballot is entered only once), the highest ballot
// in a learner's vote record or a proposer's Seen (lost on a crash, so
// used only when n can no longer crash).
func inert(s *world.Setup, st *world.State, a *world.Action) bool {
	if a.Kind != world.ActDeliver {
		return false
	}
	n := st.Node(a.Msg.To)
	return n != nil && idle(s, st.Used.Crashes, n, &a.Msg, false)
}

// idle reports whether delivering m to node n (with used crashes spent)
// changes nothing now and in every state reachable from here: nothing at
// all (inert), or, with canonical, nothing the dead-state reduction's
// canonical state holds (deadMsg, dead.go). Each case rests on state that
// only grows while n is up, so it asks that n cannot crash any more unless
// the state survives a crash (a proposer's round is durable).
func idle(s *world.Setup, used int, n *paxos.Node, m *paxos.Message, canonical bool) bool {
	if n.Crashed {
		return false
	}
	mayCrash := canCrashAfter(s, used, n)
	switch n.Role {
	case paxos.RoleProposer:
		switch m.Type {
		case paxos.Msg1b:
			return stale1b(s, n, m)
		case paxos.MsgNack:
			if mayCrash {
				return false
			}
			if !canonical {
				return !n.Seen.Less(m.Bal)
			}
			// It can raise Seen only to a round at or below
			// max(Round, Seen.Round), which only grows: the canonical
			// Seen does not move. Nor when Seen is dead (decided).
			return m.Bal.Round <= max(n.Mem.Round, n.Seen.Round) || n.Decided != paxos.None
		case paxos.MsgDecided:
			// Decided is set and kept; no client waits, and a later
			// request is answered at once (request), so none ever will.
			return !mayCrash && n.Decided != paxos.None && n.Clients == 0
		}
	case paxos.RoleLearner:
		if m.Type != paxos.Msg2b || mayCrash {
			return false
		}
		if canonical && n.Learned != paxos.None {
			return true // the vote record is dead once learned (nodeParts)
		}
		// A vote older than the one recorded for its acceptor is ignored,
		// and recorded ballots only grow.
		ai := s.Config.AcceptorIndex(m.From)
		return ai >= 0 && m.Bal.Less(n.Votes[ai].Bal)
	}
	return false
}

// stale1b reports whether proposer n ignores the 1b m now and for ever,
// crash or not: the ballot only grows (its round is durable); phase 1 of a
// ballot, once over (or left by a restart, which comes back idle), is never
// entered again, as the next timeout moves to a higher round; and a second
// 1b from an acceptor already counted in this phase 1 changes nothing.
func stale1b(s *world.Setup, n *paxos.Node, m *paxos.Message) bool {
	b := n.Ballot()
	if m.Bal.Less(b) {
		return true
	}
	if m.Bal != b {
		return false
	}
	if n.Phase != paxos.Phase1 {
		return true
	}
	ai := s.Config.AcceptorIndex(m.From)
	return ai >= 0 && n.Promised&(1<<uint(ai)) != 0
}

// porActive reports whether the reduction may be used in st: no drop or
// duplication can happen any more. (With the set network the reduction is
// never used: Run switches it off, see doc.go.)
func porActive(s *world.Setup, st *world.State) bool {
	return st.Used.Drops >= s.Budget.Drops && st.Used.Dups >= s.Budget.Dups
}

func crashable(s *world.Setup, id paxos.NodeID) bool {
	if s.Crashable == nil {
		return true
	}
	for _, x := range s.Crashable {
		if x == id {
			return true
		}
	}
	return false
}

// The set network's partial-order reduction: decided deliveries.
//
// With the set network (world.Setup.SetNetwork) a message, once sent, stays
// deliverable, so inert deliveries are self-loops and the reduction above
// does not apply. There the explorer expands alone a delivery t of a
// decided(v) message to a proposer p when t changes the state and
//
//   - p cannot crash any more, and can never time out again: it heard a
//     decided value already, or max(Round, Seen.Round) >= MaxRound (both
//     only grow while p is up);
//   - the setup has one learner, which cannot crash any more: it learns at
//     most once, so every decided message to p carries v.
//
// Then {t} is a persistent set: t stays enabled (messages stay, p stays
// up); it commutes with every action of another node (the set network's
// Net and Sent are sets, and neither reads the other's node); and it
// commutes with every action p can still take: a 1b or a nack (promise and
// the nack handler do not read Decided or the waiting clients), another
// decided (it carries v too), a client request (answered at once if v is
// known, else when t arrives: the same end state either way). No timeout
// remains to disable. It is invisible: it changes Decided, the waiting
// clients and Returned, which no invariant reads. So for a path w from s
// to a state f that violates an invariant, either w contains t, which then
// moves to the front, or s·t·w reaches f·t, with f's verdict; a stuck state
// reached by w has p's Decided and clients as t leaves them, which only t's
// message sets, so w contains t. Each reduced step answers a client or
// sets Decided, so no state is left unexpanded for ever.

// decidedAmple returns the index in acts of a decided delivery that is a
// sound ample set in st (see above), or -1. The candidates do not depend on
// the acceptors, so every member of a symmetry orbit picks the same one.
func decidedAmple(s *world.Setup, st *world.State, acts []world.Action) int {
	if len(s.Config.Learners) != 1 {
		return -1
	}
	if l := st.Node(s.Config.Learners[0]); l == nil || canCrash(s, st, l) {
		return -1
	}
	for k := range acts {
		a := &acts[k]
		if a.Kind != world.ActDeliver || a.Msg.Type != paxos.MsgDecided {
			continue
		}
		p := st.Node(a.Msg.To)
		if p == nil || p.Role != paxos.RoleProposer || p.Crashed || canCrash(s, st, p) {
			continue
		}
		if p.Decided == paxos.None && max(p.Mem.Round, p.Seen.Round) < s.MaxRound {
			continue // p may still time out
		}
		if p.Decided != paxos.None && p.Clients == 0 {
			continue // a self-loop
		}
		return k
	}
	return -1
}
